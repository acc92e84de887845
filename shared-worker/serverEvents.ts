/**
 * What the hub does with each server event: store it in IndexedDB, then tell the tabs. Messages go
 * through LocalMirror (it owns cursors and gaps); everything else is stored here.
 */
import { ServerEvent, fullMessage, type Receipt, type User } from '../contract/index';
import {
  type GetFerryDb,
  removeConversation,
  saveConversations,
  applyReceipts,
  putMember,
  removeMember,
  setPresence,
} from '../localdb/index';
import { Arrivals } from './arrivals';
import type { FerrySocket } from './connection';
import type { HubEvent, HubEvents } from './protocol';
import type { LocalMirror } from './localMirror';

export interface ServerEventDeps {
  getDb: GetFerryDb;
  mirror: LocalMirror;
  me(): User | null;
  notify(change: HubEvents['changed']): void;
  emit<E extends HubEvent>(event: E, payload: HubEvents[E]): void;
}

/** Registers the hub's handlers for every server-to-client event on the socket. */
export function bindServerEvents(socket: FerrySocket, deps: ServerEventDeps): void {
  const { getDb, mirror, notify, emit } = deps;
  /** Runs a handler; a failure is logged, never thrown into socket.io. */
  const handle =
    <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    (...args: A): void => {
      fn(...args).catch((err: unknown) => console.warn('ferry hub: could not apply a server event', err));
    };

  const arrivals = new Arrivals();
  // One commit's messages of a conversation come in one event, in seq order.
  socket.on(ServerEvent.message, (...compacts) => {
    for (const compact of compacts) {
      const message = fullMessage(compact);
      mirror.onLiveMessage(message);
      // The open conversation shows it without waiting for the IndexedDB write and re-read (the
      // write is queued above; tabs reconcile with what it stored when its `changed` comes). Only
      // messages arrive as such: edits, deletions and reactions change what is shown.
      if (message.kind === 'message')
        emit('live', { message, arrival: arrivals.isArrival(message, deps.me()?.id) });
    }
  });

  // Receipts arriving while others are being stored are stored together, in one transaction: a
  // device's receipts for hundreds of conversations (its own, after a catch-up) come back at once.
  let receipts: Receipt[] = [];
  let storingReceipts = false;
  const storeReceipts = handle(async () => {
    storingReceipts = true;
    try {
      while (receipts.length > 0) {
        const batch = receipts;
        receipts = [];
        await applyReceipts(await getDb(), batch, deps.me()?.id);
        notify({ stores: ['members', 'conversations'], conversationIds: batch.map((r) => r.conversationId) });
        // A member has received up to deliveredSeq: the server holds at least that much.
        for (const r of batch) mirror.learned(r.conversationId, Math.max(r.deliveredSeq, r.readSeq));
      }
    } finally {
      storingReceipts = false;
      // Those that came while a write failed are not left waiting for the next receipt.
      if (receipts.length > 0) storeReceipts();
    }
  });
  socket.on(ServerEvent.receipt, (receipt) => {
    receipts.push(receipt);
    if (!storingReceipts) storeReceipts();
  });

  socket.on(ServerEvent.typing, (notice) => {
    if (notice.userId !== deps.me()?.id) emit('typing', notice);
  });

  socket.on(
    ServerEvent.presence,
    handle(async (notice) => {
      const changed = await setPresence(await getDb(), notice.userId, notice.online);
      if (changed.length) notify({ stores: ['members'], conversationIds: changed });
      emit('presence', notice);
    }),
  );

  socket.on(
    ServerEvent.joined,
    handle(async (summary) => {
      await saveConversations(await getDb(), [summary]);
      notify({ stores: ['conversations', 'members'], conversationIds: [summary.id] });
      await mirror.catchUp(summary.id);
    }),
  );

  socket.on(
    ServerEvent.left,
    handle(async ({ conversationId }) => {
      await removeConversation(await getDb(), conversationId);
      notify({ stores: ['conversations', 'members', 'messages'], conversationIds: [conversationId] });
    }),
  );

  socket.on(
    ServerEvent.memberJoined,
    handle(async ({ conversationId, member }) => {
      await putMember(await getDb(), conversationId, member);
      notify({ stores: ['members'], conversationIds: [conversationId] });
    }),
  );

  socket.on(
    ServerEvent.memberLeft,
    handle(async ({ conversationId, userId }) => {
      await removeMember(await getDb(), conversationId, userId);
      notify({ stores: ['members'], conversationIds: [conversationId] });
    }),
  );

  socket.on(ServerEvent.syncCheck, ({ withinMs }) => mirror.checkSoon(withinMs));

  socket.on(ServerEvent.error, ({ event, error }) => {
    console.warn(`ferry hub: the server refused "${event}": ${error.code} ${error.message}`);
  });
}
