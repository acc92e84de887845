/**
 * Drains the outbox over the hub's socket while it is connected: one run at a time in this hub
 * (the Web Lock in drainOutbox keeps it to one in the whole browser), a rerun when something was
 * queued meanwhile, and a timer for entries backing off.
 */
import type { SendResult, Ack, Message, User } from '../contract/index';
import type { GetFerryDb } from '../localdb/connection';
import { drainOutbox } from '../outbox/queue';
import type { OutboxTransport } from '../outbox/transport';
import { sendPayload } from '../outbox/wire';
import type { Connection } from './connection';

/**
 * The hub's transport: `message:send` on the socket with the whole entry, whatever its kind
 * (throws OfflineError when disconnected).
 */
export function socketTransport(connection: Connection): OutboxTransport {
  return {
    send: (entry): Promise<Ack<SendResult>> => connection.call('message:send', sendPayload(entry)),
  };
}

export class Drainer {
  private running = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

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
    if (this.running) {
      this.again = true;
      return;
    }
    void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      let nextAttemptAt: number | null = null;
      do {
        this.again = false;
        const me = this.me();
        if (!me || !this.connection.connected) break;
        const report = await drainOutbox(await this.getDb(), socketTransport(this.connection), {
          senderId: me.id,
          onAcked: this.acked,
        });
        if (report.offline) break;
        nextAttemptAt = report.nextAttemptAt;
      } while (this.again);
      if (nextAttemptAt !== null)
        this.timer = setTimeout(() => this.kick(), Math.max(0, nextAttemptAt - Date.now()));
    } catch (err) {
      console.warn('ferry hub: draining the outbox failed', err);
    } finally {
      this.running = false;
    }
  }
}
