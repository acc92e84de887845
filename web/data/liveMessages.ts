/**
 * Messages the hub relayed live but that the tab has not read back from IndexedDB yet: shown at
 * once beside what was read (the server committed them before relaying), until a read holds them.
 * Pure, so the rule is unit-tested in Node.
 */
import type { Message } from '../../contract/index';

/**
 * What a conversation shows: the messages read, with the live ones they do not hold yet, in seq
 * order. Returns `stored` itself when no live message adds anything (a stable array for memos).
 */
export function withLive(stored: readonly Message[], live: readonly Message[]): Message[] {
  if (live.length === 0) return stored as Message[];
  const held = new Set(stored.map((m) => m.id));
  const extra = live.filter((m) => !held.has(m.id));
  if (extra.length === 0) return stored as Message[];
  return [...stored, ...extra].sort((a, b) => a.seq - b.seq);
}

/**
 * The live messages a read of `stored` still leaves out: those it holds are done, and those below
 * the window it read are not shown (the window decides what is on screen, as for stored ones). A
 * read that started before the hub stored a message does not hold it: it stays until one does.
 */
export function stillLive(live: readonly Message[], stored: readonly Message[]): Message[] {
  if (live.length === 0) return live as Message[];
  const held = new Set(stored.map((m) => m.id));
  const bottom = stored[0]?.seq ?? 0;
  const left = live.filter((m) => !held.has(m.id) && m.seq >= bottom);
  return left.length === live.length ? (live as Message[]) : left;
}
