/** A socket lives no longer than the session it signed in with. */
import type { FerrySocket } from './types.js';

/** setTimeout cannot wait longer than 2^31-1 ms (about 24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Disconnects the socket when its session expires (as sign-out does); the timer goes with it. */
export function disconnectAtSessionEnd(socket: FerrySocket, expiresAt: number): void {
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const left = expiresAt - Date.now();
    if (left <= 0) socket.disconnect(true);
    else timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
  };
  socket.once('disconnect', () => clearTimeout(timer));
  check();
}
