/**
 * A client-side send pump for fault and shutdown tests: keeps a window of messages in flight on
 * one socket (a burst, not one-at-a-time), records every ack, and can be stopped at any moment,
 * leaving the unacknowledged messages to be resent with the same ids. Also pages a whole
 * conversation through catch-up.
 */
import { randomUUID } from 'node:crypto';
import type {
  Ack,
  Message,
  MessagePage,
  SendMessageRequest,
  SendResult,
  WireError,
} from '../../../contract/index.js';

/** A message as typed (no kind: a message). */
export type MessageDraft = Extract<SendMessageRequest, { text: string; targetId?: never }>;
import { request, type ClientSocket } from './clients.js';
import { ClientEvent } from '../../../contract/index.js';

export interface BurstState {
  /** Messages in the order they were typed. */
  drafts: MessageDraft[];
  /** Ids answered ok, with the stored message the server returned. */
  acked: Map<string, Message>;
  /** Ids answered with an error. */
  failed: Map<string, WireError>;
  /** Ids emitted at least once. */
  emitted: Set<string>;
  /** Ids answered `duplicate: true` (already stored). */
  duplicates: Set<string>;
}

/** Makes `count` drafts typed by one client into one conversation. */
export function makeBurst(conversationId: string, count: number, label: string): BurstState {
  const drafts = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    conversationId,
    text: `${label} #${i}`,
    typedAt: Date.now(),
  }));
  return { drafts, acked: new Map(), failed: new Map(), emitted: new Set(), duplicates: new Set() };
}

export interface Pump {
  /** Emits nothing more (acks of messages already in flight are still recorded). */
  stop(): void;
  /** Resolves when every message of `queue` has an answer, or the pump stopped / the socket dropped. */
  done: Promise<void>;
  inFlight(): number;
}

/**
 * Sends `queue` (default: every draft not yet acked, in typed order) over `socket`, keeping up to
 * `window` unanswered at a time.
 */
export function pump(
  socket: ClientSocket,
  state: BurstState,
  window: number,
  queue: MessageDraft[] = state.drafts.filter((d) => !state.acked.has(d.id)),
): Pump {
  let next = 0;
  let inFlight = 0;
  let stopped = false;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const settleIfDone = (): void => {
    if ((stopped && inFlight === 0) || (next >= queue.length && inFlight === 0)) finish();
  };
  const onDisconnect = (): void => {
    stopped = true;
    finish();
  };
  socket.once('disconnect', onDisconnect);

  const fill = (): void => {
    while (!stopped && inFlight < window && next < queue.length) {
      const draft = queue[next++]!;
      inFlight += 1;
      state.emitted.add(draft.id);
      socket.emit(ClientEvent.send, draft, (ack: Ack<SendResult>) => {
        inFlight -= 1;
        if (ack.ok) {
          state.acked.set(draft.id, ack.message);
          if (ack.duplicate) state.duplicates.add(draft.id);
        } else {
          state.failed.set(draft.id, ack.error);
        }
        fill();
        settleIfDone();
      });
    }
    settleIfDone();
  };
  fill();
  void done.then(() => socket.off('disconnect', onDisconnect));
  return {
    stop() {
      stopped = true;
      settleIfDone();
    },
    done,
    inFlight: () => inFlight,
  };
}

/** Every message of a conversation, through catch-up pages (`messages:after`) from seq 0. */
export async function readAll(socket: ClientSocket, conversationId: string): Promise<Message[]> {
  const all: Message[] = [];
  let afterSeq = 0;
  for (;;) {
    const page: Ack<MessagePage> = await request(socket, ClientEvent.messagesAfter, {
      conversationId,
      afterSeq,
      limit: 500,
    });
    if (!page.ok) throw new Error(`catch-up failed: ${page.error.code} ${page.error.message}`);
    all.push(...page.messages);
    if (!page.hasMore || page.messages.length === 0) return all;
    afterSeq = page.messages[page.messages.length - 1]!.seq;
  }
}
