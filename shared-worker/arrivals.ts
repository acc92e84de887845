/**
 * Which relayed messages are arrivals to announce (notification, screen reader, typing ends): a
 * message from someone else, the first time it comes. socket.io may deliver a message again (a
 * reconnect, a second node's relay); it is shown once, so it is announced once too.
 */
import type { Message } from '../contract/index';

/** How many message ids are remembered; a repeat comes within moments of the first delivery. */
const REMEMBERED = 500;

export class Arrivals {
  private readonly seen = new Set<string>();

  /** True when `message` is someone else's and its id has not come before (then remembered). */
  isArrival(message: Message, meId: string | undefined): boolean {
    if (message.senderId === meId || this.seen.has(message.id)) return false;
    this.seen.add(message.id);
    if (this.seen.size > REMEMBERED) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
