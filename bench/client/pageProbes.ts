/**
 * Code the bench runs inside the page (serialized by Playwright, so each function stands alone).
 * Times are the page's performance.now(): milliseconds since that navigation started.
 */
import type { OutboxEntry } from '../../localdb/index';

export interface RenderMarks {
  /** When a link with the conversation's name first appeared. */
  firstConversationAt: number | null;
  /** When the connection status first said Online. */
  onlineAt: number | null;
}

/**
 * Init script: records when the conversation's link first appears and when the status first says
 * Online, with a MutationObserver from the start of the document (no polling delay).
 */
export function installRenderMarks(conversationName: string): void {
  const marks: RenderMarks = { firstConversationAt: null, onlineAt: null };
  (window as unknown as { __benchMarks: RenderMarks }).__benchMarks = marks;
  const check = () => {
    if (marks.firstConversationAt === null) {
      for (const a of document.querySelectorAll('a, [role="link"]'))
        if (a.textContent?.includes(conversationName)) {
          marks.firstConversationAt = performance.now();
          break;
        }
    }
    if (marks.onlineAt === null) {
      const status = document.querySelector('[role="status"]');
      if (status && /Online/.test(status.textContent ?? '')) marks.onlineAt = performance.now();
    }
    if (marks.firstConversationAt !== null && marks.onlineAt !== null) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, characterData: true });
}

/** When the page started its idle-time loads, and what it had fetched by then. */
export interface IdleLoadsStart {
  /** The mark's time (performance.now() of the page). */
  at: number;
  /** Paths of the resources whose response had ended by then. */
  fetchedBefore: string[];
}

/**
 * The page's idle-loads mark (web/ui/idle.ts, IDLE_LOADS_MARK) and the resources fetched before
 * it, or null while it is not set. Both are on the page's own clock: a chunk the first content
 * needed has arrived (it ran) before the mark, and one fetched at idle starts after it.
 */
export function idleLoadsStart(markName: string): IdleLoadsStart | null {
  const mark = performance.getEntriesByName(markName, 'mark')[0];
  if (!mark) return null;
  const fetchedBefore = performance
    .getEntriesByType('resource')
    .filter((e) => (e as PerformanceResourceTiming).responseEnd <= mark.startTime)
    .map((e) => new URL(e.name).pathname);
  return { at: mark.startTime, fetchedBefore };
}

export interface ReplayMarks {
  /** Outbox entries when the page started. */
  initial: number | null;
  /** When the outbox first held fewer entries (the first acknowledgement). */
  firstAckAt: number | null;
  /** When the outbox became empty. */
  emptyAt: number | null;
  samples: number;
  error: string | null;
}

/**
 * Init script: polls the outbox size in IndexedDB every 5 ms from the start of the document, so
 * the first acknowledgement and the moment the last one lands are timed from inside the page.
 */
export function installReplayMarks(dbName: string): void {
  const marks: ReplayMarks = { initial: null, firstAckAt: null, emptyAt: null, samples: 0, error: null };
  (window as unknown as { __benchReplay: ReplayMarks }).__benchReplay = marks;
  const req = indexedDB.open(dbName);
  req.onerror = () => (marks.error = String(req.error));
  req.onsuccess = () => {
    const db = req.result;
    const tick = () => {
      try {
        const count = db.transaction('outbox').objectStore('outbox').count();
        count.onsuccess = () => {
          const n = count.result;
          marks.samples++;
          if (marks.initial === null) marks.initial = n;
          if (marks.firstAckAt === null && n < marks.initial) marks.firstAckAt = performance.now();
          if (n === 0) {
            marks.emptyAt = performance.now();
            db.close();
            return;
          }
          setTimeout(tick, 5);
        };
        count.onerror = () => (marks.error = String(count.error));
      } catch (e) {
        marks.error = String(e);
      }
    };
    tick();
  };
}

/**
 * Writes outbox entries, made by the outbox's own queuedEntry and nextOrder, into IndexedDB in one
 * transaction: typing 1,000 messages through the composer would time the keyboard, not the
 * replay. Runs inside the page (serialized by Playwright), so it cannot call addEntry itself.
 * Returns the outbox size afterwards.
 */
export async function writeOutbox(args: { dbName: string; entries: OutboxEntry[] }): Promise<number> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(args.dbName);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('outbox', 'readwrite');
      for (const e of args.entries) tx.objectStore('outbox').add(e);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    return await new Promise<number>((resolve, reject) => {
      const c = db.transaction('outbox').objectStore('outbox').count();
      c.onsuccess = () => resolve(c.result);
      c.onerror = () => reject(c.error);
    });
  } finally {
    db.close();
  }
}

/** Outbox entries by state (to explain a replay that did not finish). */
export async function outboxStates(dbName: string): Promise<Record<string, number>> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(dbName);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  try {
    const all = await new Promise<Array<{ state: string; error?: { code?: string } }>>((resolve, reject) => {
      const req = db.transaction('outbox').objectStore('outbox').getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const out: Record<string, number> = {};
    for (const e of all) {
      const key = e.error?.code ? `${e.state}:${e.error.code}` : e.state;
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  } finally {
    db.close();
  }
}
