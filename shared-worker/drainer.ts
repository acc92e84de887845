/**
 * Drains the outbox over the hub's socket while it is connected: one run at a time in this hub
 * (the Web Lock in drainOutbox keeps it to one in the whole browser), a rerun when something was
 * queued meanwhile, and a timer for entries backing off. The drain's code is fetched only when
 * the outbox has something in it.
 */
import type { SendResult, Ack, Message, SendMessageInput, User } from '../contract/index';
import type { GetFerryDb, OutboxEntry } from '../localdb/index';
import { loadQueue, type OutboxTransport } from '../outbox/index';
import { rerunLatch } from '../client-kit/index';
import type { Connection } from './connection';
import { ClientEvent } from '../contract/index';

/**
 * The hub's transport: `message:send` on the socket with the whole entry, whatever its kind
 * (throws OfflineError when disconnected).
 */
function socketTransport(
  connection: Connection,
  sendPayload: (entry: OutboxEntry) => SendMessageInput,
): OutboxTransport {
  return {
    send: (entry): Promise<Ack<SendResult>> => connection.call(ClientEvent.send, sendPayload(entry)),
  };
}

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
    const me = this.me();
    if (!me || !this.connection.connected) return false;
    const db = await this.getDb();
    // Nothing waits (most starts): the queue's code is not even fetched. A pass that found
    // nothing still goes on, so that a kick during it gets its rerun.
    if ((await db.count('outbox')) === 0) {
      this.nextAttemptAt = null;
      return true;
    }
    const { drainOutbox, sendPayload } = await loadQueue();
    const report = await drainOutbox(db, socketTransport(this.connection, sendPayload), {
      senderId: me.id,
      onAcked: this.acked,
    });
    if (report.offline) return false;
    this.nextAttemptAt = report.nextAttemptAt;
    return true;
  }
}
