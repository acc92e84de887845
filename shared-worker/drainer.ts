/**
 * Drains the outbox over the hub's socket while it is connected: one run at a time in this hub
 * (the Web Lock in drainOutbox keeps it to one in the whole browser), a rerun when something was
 * queued meanwhile, and a timer for entries backing off. The drain's code is fetched only when
 * the outbox has something in it.
 */
import type { Message, User } from '../contract/index';
import type { GetFerryDb } from '../localdb/index';
import { countEntries, loadQueue, type AddedEntry } from '../outbox/index';
import { rerunLatch } from '../client-kit/index';
import type { Connection } from './connection';

export class Drainer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the run's last completed pass found an entry backing off, when it is due. */
  private nextAttemptAt: number | null = null;
  private readonly drains = rerunLatch(
    () => this.pass(),
    (goOn) => goOn,
  );

  constructor(
    private readonly getDb: GetFerryDb,
    private readonly connection: Connection,
    private readonly me: () => User | null,
    /** Told of every stored ack: its seq may reveal entries this device never received. */
    private readonly acked: (messages: readonly Message[]) => void,
  ) {}

  /** Sends of entries just queued (sendNow) still under way: a pass starts only after them. */
  private readonly sending = new Set<Promise<boolean>>();

  /**
   * An entry a tab just queued: sent at once when it was alone in its conversation (outbox
   * sendAlone, no lock, no outbox read), else, or when that did not get it acknowledged, drained.
   */
  sendNow(added: AddedEntry): void {
    const me = this.me();
    if (!me || !this.connection.connected || !added.alone) return this.kick();
    const sent = (async () => {
      const [db, { sendAlone, socketTransport }] = await Promise.all([this.getDb(), loadQueue()]);
      return sendAlone(db, socketTransport(this.connection), added, {
        senderId: me.id,
        onAcked: this.acked,
      });
    })().catch((err: unknown) => {
      console.warn('ferry hub: sending a queued entry failed', err);
      return false;
    });
    this.sending.add(sent);
    void sent.then((acked) => {
      this.sending.delete(sent);
      if (!acked) this.kick();
    });
  }

  /** Drains now if connected; if a drain is running, runs once more after it. */
  kick(): void {
    if (!this.connection.connected || !this.me()) return;
    if (this.drains.running) {
      void this.drains.run();
      return;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextAttemptAt = null;
    this.drains.run().then(
      () => {
        const due = this.nextAttemptAt;
        if (due !== null) this.timer = setTimeout(() => this.kick(), Math.max(0, due - Date.now()));
      },
      (err: unknown) => console.warn('ferry hub: draining the outbox failed', err),
    );
  }

  /** One drain; false when the run must end (signed out, disconnected, offline). */
  private async pass(): Promise<boolean> {
    // An entry sent at once is still in the outbox until its ack is stored: a pass reading it
    // earlier would send it a second time (harmless, deduped, but a round trip for nothing).
    while (this.sending.size > 0) await Promise.all(this.sending);
    const me = this.me();
    if (!me || !this.connection.connected) return false;
    const db = await this.getDb();
    // Nothing of this account's waits (most starts): the queue's code is not even fetched, and no
    // entry is read (counted by the sender index, as the status count is). A pass that found
    // nothing still goes on, so that a kick during it gets its rerun.
    if ((await countEntries(db, me.id)) === 0) {
      this.nextAttemptAt = null;
      return true;
    }
    const { drainOutbox, socketTransport } = await loadQueue();
    const report = await drainOutbox(db, socketTransport(this.connection), {
      senderId: me.id,
      onAcked: this.acked,
    });
    if (report.offline) return false;
    this.nextAttemptAt = report.nextAttemptAt;
    return true;
  }
}
