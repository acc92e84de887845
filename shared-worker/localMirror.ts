/**
 * Keeps IndexedDB in step with the server: after every (re)connect it lists conversations and
 * catches each one up from its local cursor (syncedSeq) with `messages:after`, page by page until
 * hasMore is false. Every seq the hub learns otherwise (live entry, own ack, receipt, page,
 * summary) goes through the gap rule (gaps.ts), which triggers the same catch-up. Everything for
 * one conversation runs in order (a per-conversation chain), so catch-up and live messages never
 * race. Catch-up pages of many conversations are stored together (pageBatches.ts). Delivered
 * receipts follow what was stored.
 */
import {
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  type ConversationSummary,
  type Message,
  type Receipt,
  type User,
  ClientEvent,
} from '../contract/index';
import { sharedRun } from '../client-kit/index';
import {
  type GetFerryDb,
  getConversation,
  listConversations as listLocalConversations,
  markReadLocally,
  saveConversations,
  applyReceipts,
  advanceSyncedSeq,
  putMessages,
  type PutMessagesResult,
} from '../localdb/index';
import { OfflineError } from '../net/index';
import type { Connection } from './connection';
import { GapWatch } from './gaps';
import { PageBatches } from './pageBatches';
import type { HubEvents } from './protocol';

/**
 * Conversations caught up at once after a (re)connect: enough round trips in flight that the
 * pages of many conversations arrive together and are stored in one transaction (pageBatches.ts).
 */
const RESYNC_LANES = 32;
/** Delivered receipts are batched briefly: a burst of messages sends one receipt. */
const DELIVERED_DELAY_MS = 250;

export interface LocalMirrorDeps {
  getDb: GetFerryDb;
  connection: Connection;
  me(): User | null;
  notify(change: HubEvents['changed']): void;
}

/**
 * The hub's local mirror of the server (not Background Sync, which is the Service Worker's
 * outbox replay): catch-up, live entries, the gap rule and receipts, per conversation in order.
 */
export class LocalMirror {
  private generation = 0;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly deliveredDue = new Set<string>();
  private deliveredTimer: ReturnType<typeof setTimeout> | undefined;
  /** Resync passes under way: delivered receipts wait for them (see deliveredSoon). */
  private resyncing = 0;
  private readonly readSent = new Map<string, number>();
  private readonly liveBatches = new Map<string, Message[]>();
  private readonly waitingCatchUps = new Map<string, Promise<void>>();
  private readonly gaps: GapWatch;
  private checkTimer: ReturnType<typeof setTimeout> | undefined;
  private checkDueAt = Infinity;
  /**
   * Catch-up cursors read together at the start of a resync, each taken by its conversation's
   * first fetch instead of a read of its own. A lower bound: a cursor only moves forward while
   * its conversation is stored (fetchMissing handles one stored anew meanwhile).
   */
  private readonly cursorHints = new Map<string, number>();
  private readonly pages: PageBatches<PutMessagesResult>;

  constructor(private readonly deps: LocalMirrorDeps) {
    this.pages = new PageBatches(async (messages) => {
      const stored = await putMessages(await deps.getDb(), messages, { meId: deps.me()?.id });
      deps.notify({
        stores: ['messages', 'conversations', 'outbox'],
        conversationIds: [...stored.syncedSeq.keys()],
      });
      return stored;
    });
    this.gaps = new GapWatch({
      schedule: (conversationId, task) =>
        void this.serial(conversationId, () => this.runSwallowingErrors(task)),
      held: async (conversationId) =>
        (await getConversation(await deps.getDb(), conversationId))?.syncedSeq ?? null,
      catchUp: (conversationId) => void this.catchUp(conversationId),
    });
  }

  /**
   * The server holds `conversationId` up to `seq` (an own ack, a receipt, …): the gap rule
   * catches the conversation up if this device is missing anything up to it.
   */
  learned(conversationId: string, seq: number): void {
    this.gaps.learned(conversationId, seq);
  }

  /**
   * The server asked for a check (a node or Redis incident may have cost this device live
   * deliveries, or it is the periodic check): at a random moment within `withinMs`, so every
   * device of a node does not ask at once, compare each conversation's lastSeq with what is held.
   */
  checkSoon(withinMs: number): void {
    const dueAt = Date.now() + Math.random() * Math.max(0, withinMs);
    if (this.checkTimer !== undefined && this.checkDueAt <= dueAt) return;
    clearTimeout(this.checkTimer);
    this.checkDueAt = dueAt;
    this.checkTimer = setTimeout(() => {
      this.checkTimer = undefined;
      this.checkDueAt = Infinity;
      void this.runSwallowingErrors(async () => {
        for (const summary of await this.listConversations()) this.learned(summary.id, summary.lastSeq);
      });
    }, dueAt - Date.now());
  }

  /**
   * Run after every (re)connect: list conversations, then catch up each one this device holds
   * less of than the list says, RESYNC_LANES at a time so their round trips overlap (each
   * conversation still runs in its own chain: order within it is kept). What the server stores
   * after the list reaches this socket live, through the gap rule.
   */
  async resync(): Promise<void> {
    this.resyncing++;
    try {
      await this.resyncPass();
    } finally {
      this.resyncing--;
      this.sendDeliveredSoon();
    }
  }

  private async resyncPass(): Promise<void> {
    const generation = ++this.generation;
    this.readSent.clear();
    const summaries = (await this.runSwallowingErrors(() => this.listConversations())) ?? [];
    const held = new Map(
      (
        (await this.runSwallowingErrors(async () => listLocalConversations(await this.deps.getDb()))) ?? []
      ).map((c) => [c.id, c] as const),
    );
    const ids: string[] = [];
    for (const { id, lastSeq } of summaries) {
      const local = held.get(id);
      if (local && local.syncedSeq >= lastSeq) {
        if (local.deliveredSeq < local.syncedSeq) this.deliveredSoon(id);
        continue;
      }
      if (local) this.cursorHints.set(id, local.syncedSeq);
      ids.push(id);
    }
    let next = 0;
    const lane = async () => {
      // A newer connection started its own pass: this one stops.
      while (next < ids.length && generation === this.generation) await this.catchUp(ids[next++]!);
    };
    await Promise.all(Array.from({ length: RESYNC_LANES }, lane));
  }

  /**
   * Fetches what a conversation is missing after its cursor (in its chain). A catch-up already
   * waiting in the chain covers any later request, so a burst of gaps fetches once.
   */
  catchUp(conversationId: string): Promise<void> {
    const waiting = this.waitingCatchUps.get(conversationId);
    if (waiting) return waiting;
    const run = this.serial(conversationId, () => {
      this.waitingCatchUps.delete(conversationId);
      return this.runSwallowingErrors(() => this.fetchMissing(conversationId));
    });
    this.waitingCatchUps.set(conversationId, run);
    return run;
  }

  /**
   * A live `message:new`. Messages arriving while the conversation's chain is busy are stored
   * together in one transaction (a busy room must not fall behind); a gap triggers catch-up.
   */
  onLiveMessage(message: Message): void {
    const batch = this.liveBatches.get(message.conversationId);
    if (batch) {
      batch.push(message);
      return;
    }
    this.liveBatches.set(message.conversationId, [message]);
    void this.serial(message.conversationId, () =>
      this.runSwallowingErrors(() => this.storeLive(message.conversationId)),
    );
  }

  private async storeLive(conversationId: string): Promise<void> {
    const batch = this.liveBatches.get(conversationId) ?? [];
    this.liveBatches.delete(conversationId);
    const db = await this.deps.getDb();
    const meId = this.deps.me()?.id;
    const known = await getConversation(db, conversationId);
    await putMessages(db, batch, { meId });
    this.deps.notify({ stores: ['messages', 'conversations', 'outbox'], conversationIds: [conversationId] });
    if (!known) {
      // A conversation this device has not listed yet (joined elsewhere): list again.
      void this.relist();
      return;
    }
    this.learned(conversationId, Math.max(...batch.map((m) => m.seq)));
    this.deliveredSoon(conversationId);
  }

  /** Records a read locally (every tab clears the unread count) and tells the server when online. */
  async markRead(conversationId: string, seq: number): Promise<void> {
    const db = await this.deps.getDb();
    if ((await markReadLocally(db, conversationId, seq)) !== null)
      this.deps.notify({ stores: ['conversations'], conversationIds: [conversationId] });
    const conversation = await getConversation(db, conversationId);
    if (conversation)
      await this.runSwallowingErrors(() => this.sendRead(conversationId, conversation.readSeq));
  }

  private async listConversations(): Promise<ConversationSummary[]> {
    const ack = await this.deps.connection.call(ClientEvent.listConversations, {});
    if (!ack.ok) return [];
    const db = await this.deps.getDb();
    const report = await saveConversations(db, ack.conversations, { complete: true });
    // Tabs re-read only what was stored again: at each start of the hub the list normally
    // changes nothing, and re-reading it (and the open conversation's messages) then is waste.
    const touched = [...report.written, ...report.removed];
    if (touched.length > 0)
      this.deps.notify({
        stores:
          report.removed.length > 0 ? ['conversations', 'members', 'messages'] : ['conversations', 'members'],
        conversationIds: touched,
      });
    // Reads made while offline are ahead of the server: send them now.
    for (const pending of report.pendingReads)
      void this.runSwallowingErrors(() => this.sendRead(pending.conversationId, pending.readSeq));
    return ack.conversations;
  }

  /** Lists conversations again (once at a time) and catches up the ones that are new here. */
  private readonly relist = sharedRun(async () => {
    const summaries = await this.runSwallowingErrors(() => this.listConversations());
    for (const { id } of summaries ?? []) void this.catchUp(id);
  });

  private async fetchMissing(conversationId: string): Promise<void> {
    const { connection, getDb, notify } = this.deps;
    const db = await getDb();
    const meId = this.deps.me()?.id;
    let cursor = this.cursorHints.get(conversationId) ?? 0;
    this.cursorHints.delete(conversationId);
    // A cursor of 0 may need the newest page first (below), which needs the stored row.
    if (cursor === 0) {
      const conversation = await getConversation(db, conversationId);
      if (!conversation) return;
      cursor = conversation.syncedSeq;
      if (cursor === 0 && conversation.lastSeq > PAGE_SIZE_DEFAULT) {
        const page = await connection.call(ClientEvent.messagesBefore, {
          conversationId,
          limit: PAGE_SIZE_DEFAULT,
        });
        if (!page.ok) return;
        await putMessages(db, page.messages, { meId });
        const top = page.messages.at(-1)?.seq;
        if (top !== undefined) await advanceSyncedSeq(db, conversationId, top);
        notify({ stores: ['messages', 'conversations'], conversationIds: [conversationId] });
        cursor = (await getConversation(db, conversationId))?.syncedSeq ?? 0;
      }
    }

    let moved = false;
    let restarted = false;
    let serverSeq = 0;
    for (;;) {
      const page = await connection.call(ClientEvent.messagesAfter, {
        conversationId,
        afterSeq: cursor,
        limit: PAGE_SIZE_MAX,
      });
      if (!page.ok) return;
      // Stored with the pages other conversations' fetches brought meanwhile, in one transaction.
      const synced =
        page.messages.length > 0
          ? ((await this.pages.store(page.messages)).syncedSeq.get(conversationId) ?? 0)
          : cursor;
      serverSeq = Math.max(serverSeq, page.lastSeq);
      if (synced < cursor) {
        // The cursor went back: the conversation was stored anew (left and joined again) since
        // it was read. Start again, once, from where it is now.
        const now = restarted ? undefined : await getConversation(db, conversationId);
        if (!now) return;
        restarted = true;
        cursor = now.syncedSeq;
        continue;
      }
      // Stop when done, or if the cursor cannot move (never loop on a bad page).
      if (synced === cursor) break;
      moved = true;
      cursor = synced;
      if (!page.hasMore) break;
    }
    // A page's lastSeq is one more seq learned; only after progress, so a page that cannot fill
    // the hole it reveals never starts an endless round of catch-ups.
    if (moved) this.learned(conversationId, serverSeq);
    this.deliveredSoon(conversationId);
  }

  private deliveredSoon(conversationId: string): void {
    this.deliveredDue.add(conversationId);
    this.sendDeliveredSoon();
  }

  /**
   * Sends the receipts due a moment from now, or, while a resync runs, once it has ended: a
   * catch-up is one burst, and each receipt comes back as a receipt event to store, whose writes
   * would otherwise take turns with the catch-up's.
   */
  private sendDeliveredSoon(): void {
    if (this.resyncing > 0 || this.deliveredDue.size === 0) return;
    this.deliveredTimer ??= setTimeout(() => {
      this.deliveredTimer = undefined;
      const due = [...this.deliveredDue];
      this.deliveredDue.clear();
      void this.runSwallowingErrors(() => this.sendDelivered(due));
    }, DELIVERED_DELAY_MS);
  }

  /**
   * Tells the server this device has every message up to each conversation's cursor. A catch-up
   * makes hundreds due at once: their cursors are read in one transaction, the receipts sent
   * side by side and their answers stored in one transaction.
   */
  private async sendDelivered(conversationIds: readonly string[]): Promise<void> {
    const wanted = new Set(conversationIds);
    // One read of every row (a few hundred at most) rather than one transaction per conversation.
    const due = (await listLocalConversations(await this.deps.getDb())).filter(
      (c) => wanted.has(c.id) && c.syncedSeq > c.deliveredSeq,
    );
    const acks = await Promise.all(
      due.map((conversation) =>
        this.runSwallowingErrors(() =>
          this.deps.connection.call(ClientEvent.receipt, {
            conversationId: conversation.id,
            deliveredSeq: conversation.syncedSeq,
          }),
        ),
      ),
    );
    const receipts = acks.flatMap((ack) => (ack?.ok ? [ack.receipt] : []));
    await this.storeReceipts(receipts);
  }

  private async sendRead(conversationId: string, readSeq: number): Promise<void> {
    if ((this.readSent.get(conversationId) ?? 0) >= readSeq || readSeq <= 0) return;
    const ack = await this.deps.connection.call(ClientEvent.receipt, { conversationId, readSeq });
    if (!ack.ok) return;
    this.readSent.set(conversationId, readSeq);
    await this.storeReceipts([ack.receipt]);
  }

  private async storeReceipts(receipts: readonly Receipt[]): Promise<void> {
    if (receipts.length === 0) return;
    await applyReceipts(await this.deps.getDb(), receipts, this.deps.me()?.id);
    this.deps.notify({
      stores: ['members', 'conversations'],
      conversationIds: receipts.map((r) => r.conversationId),
    });
  }

  /** Runs tasks for one conversation one after another. */
  private serial(conversationId: string, task: () => Promise<unknown>): Promise<void> {
    const previous = this.chains.get(conversationId) ?? Promise.resolve();
    const next = previous.then(task).then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(conversationId, next);
    void next.then(() => {
      if (this.chains.get(conversationId) === next) this.chains.delete(conversationId);
    });
    return next;
  }

  /**
   * Runs one step whose failure must not stop the hub, and swallows any error: undefined then.
   * Going offline mid-way is normal (the next connect resyncs); anything else is logged.
   */
  private async runSwallowingErrors<T>(task: () => Promise<T>): Promise<T | undefined> {
    try {
      return await task();
    } catch (err) {
      if (!(err instanceof OfflineError)) console.warn('ferry hub: mirror step failed', err);
      return undefined;
    }
  }
}
