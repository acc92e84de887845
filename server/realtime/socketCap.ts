/**
 * The per-user socket cap on this node (MAX_SOCKETS_PER_USER). Open sockets are counted by the
 * size of the user's room; handshakes that passed the check but have not joined the room yet are
 * counted apart, so many handshakes racing each other cannot all slip under the cap.
 */
import { userRoom } from './rooms.js';
import type { FerryIo } from './types.js';

export class SocketCap {
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly io: FerryIo,
    readonly max: number,
  ) {}

  /** Takes a place for a handshake of `userId`: false when the user is at the cap already. */
  reserve(userId: string): boolean {
    const open = this.io.of('/').adapter.rooms.get(userRoom(userId))?.size ?? 0;
    const waiting = this.pending.get(userId) ?? 0;
    if (open + waiting >= this.max) return false;
    this.pending.set(userId, waiting + 1);
    return true;
  }

  /** The handshake is over: its socket is in the user's room now, or was refused. */
  release(userId: string): void {
    const waiting = (this.pending.get(userId) ?? 0) - 1;
    if (waiting > 0) this.pending.set(userId, waiting);
    else this.pending.delete(userId);
  }
}
