/** A socket or SSE feed lives no longer than the session it signed in with. */
import type { FerrySocket } from './types.js';

/** setTimeout cannot wait longer than 2^31-1 ms (about 24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `end` once `expiresAt` (ms since the epoch) has passed; returns the cancel function. */
export function atSessionEnd(expiresAt: number, end: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const check = (): void => {
    if (cancelled) return;
    const left = expiresAt - Date.now();
    if (left <= 0) end();
    else timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
  };
  check();
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}

/** Disconnects the socket when its session expires (as sign-out does); the timer goes with it. */
export function disconnectAtSessionEnd(socket: FerrySocket, expiresAt: number): void {
  const cancel = atSessionEnd(expiresAt, () => socket.disconnect(true));
  socket.once('disconnect', cancel);
}
