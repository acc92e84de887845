/** What the PWA controls show, as a tiny observable store (no library: the page's JS budget is small). */

export interface PwaState {
  /** The browser offered installation (`beforeinstallprompt`) and the app is not installed yet. */
  canInstall: boolean;
  /** A new version is waiting (or another tab already activated it): offer "Reload to update". */
  updateReady: boolean;
}

let state: PwaState = { canInstall: false, updateReady: false };
const listeners = new Set<() => void>();

/** The current state. */
export function getPwaState(): PwaState {
  return state;
}

/** Changes part of the state and notifies subscribers. */
export function setPwaState(patch: Partial<PwaState>): void {
  state = { ...state, ...patch };
  for (const listener of listeners) listener();
}

/** Calls `listener` on every change; returns the unsubscribe function. */
export function subscribePwaState(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
