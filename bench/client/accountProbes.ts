/**
 * Code the big-account and long-offline scenarios run inside the app's page (serialized by
 * Playwright, so each function stands alone). Times are the page's performance.now().
 */

export interface OpenMarks {
  /** When the conversation list first showed a conversation. */
  listAt: number | null;
  /** When the newest message's article entered the DOM. */
  inDomAt: number | null;
  /**
   * When the frame that first showed the newest message's text was presented: Element Timing's
   * renderTime for its text (the browser's own record of that paint).
   */
  shownAt: number | null;
  /**
   * When the first task after that frame ran (a message posted from its requestAnimationFrame):
   * later than shownAt by whatever the page queued before it, such as effects that run after paint.
   */
  paintedAt: number | null;
}

/**
 * Init script: records when the article of message `newestId` first appears (MutationObserver from
 * the start of the document), when the frame showing its text was presented (the observer marks the
 * text for Element Timing before that frame is produced) and when the next task after it ran.
 */
export function installOpenMarks(newestId: string): void {
  const marks: OpenMarks = { listAt: null, inDomAt: null, shownAt: null, paintedAt: null };
  (window as unknown as { __benchOpen: OpenMarks }).__benchOpen = marks;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as Array<
      PerformanceEntry & { identifier?: string; renderTime?: number }
    >)
      if (entry.identifier === 'bench-newest' && marks.shownAt === null)
        marks.shownAt = entry.renderTime || entry.startTime;
  }).observe({ type: 'element', buffered: true });
  const observer = new MutationObserver(() => {
    if (marks.listAt === null && document.querySelector('nav a[href^="/c/"]'))
      marks.listAt = performance.now();
    const article = document.querySelector(`article[data-id="${newestId}"]`);
    if (marks.inDomAt !== null || !article) return;
    marks.inDomAt = performance.now();
    observer.disconnect();
    // Mutation observers run before the page renders again: the text is marked before its first frame.
    (article.querySelector('.msg-text') ?? article).setAttribute('elementtiming', 'bench-newest');
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => (marks.paintedAt = performance.now());
      channel.port2.postMessage(null);
    });
  });
  observer.observe(document, { childList: true, subtree: true });
}

/** Where an open's time went: the document's navigation timing and first contentful paint. */
export function navigationBreakdown(): {
  workerStart: number;
  responseEnd: number;
  domInteractive: number;
  firstContentfulPaint: number | null;
} {
  const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    workerStart: r1(n.workerStart),
    responseEnd: r1(n.responseEnd),
    domInteractive: r1(n.domInteractive),
    firstContentfulPaint: fcp ? r1(fcp.startTime) : null,
  };
}

export interface ScrollResult {
  /** Milestones (message ids, newest first) whose article was shown; the last one is the goal. */
  reached: number;
  ms: number;
  frames: number;
  maxFrameMs: number;
  framesOver50: number;
  p99FrameMs: number;
  /** Long animation frames (PerformanceObserver 'long-animation-frame', Chromium). */
  longFrames: number;
  maxLongFrameMs: number;
  /** Sum of the long frames' blocking durations. */
  blockingMs: number;
  /** The longest long animation frames (at most 5), where their time went. */
  longest: LongFrame[];
}

/** One long animation frame: when (ms after the scroll began), and where its time went. */
export interface LongFrame {
  atMs: number;
  ms: number;
  blockingMs: number;
  /** From the frame's start to its rendering (tasks and callbacks before it). */
  beforeRenderMs: number;
  /** The rendering's style, layout and paint (from its style and layout to the frame's end). */
  styleAndLayoutMs: number;
  /** Its scripts, longest first: what ran them, for how long, how much of that forced layout. */
  scripts: Array<{ invoker: string; ms: number; forcedLayoutMs: number; source: string }>;
}

/**
 * Scrolls the message log up by `stepPx` every frame, as a fast reader would, until the article of
 * the last milestone is shown or `timeoutMs` passes; records every frame's duration (rAF deltas)
 * and the long animation frames.
 */
export function scrollBack(args: {
  milestones: string[];
  stepPx: number;
  timeoutMs: number;
}): Promise<ScrollResult> {
  return new Promise((resolve) => {
    const el = document.querySelector<HTMLElement>('.log-scroll');
    const long: PerformanceEntry[] = [];
    const observer = new PerformanceObserver((list) => long.push(...list.getEntries()));
    try {
      observer.observe({ type: 'long-animation-frame' });
    } catch {
      // Not supported: the rAF deltas still time every frame.
    }
    const deltas: number[] = [];
    let reached = 0;
    const t0 = performance.now();
    let last = t0;
    const finish = () => {
      observer.disconnect();
      const sorted = [...deltas].sort((a, b) => a - b);
      const r1 = (x: number) => Math.round(x * 10) / 10;
      resolve({
        reached,
        ms: r1(performance.now() - t0),
        frames: deltas.length,
        maxFrameMs: r1(sorted.at(-1) ?? 0),
        framesOver50: deltas.filter((d) => d > 50).length,
        p99FrameMs: r1(sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? 0),
        longFrames: long.length,
        maxLongFrameMs: r1(Math.max(0, ...long.map((e) => e.duration))),
        blockingMs: r1(
          long.reduce(
            (a, e) => a + ((e as unknown as { blockingDuration?: number }).blockingDuration ?? 0),
            0,
          ),
        ),
        longest: [...long]
          .sort((a, b) => b.duration - a.duration)
          .slice(0, 5)
          .map((entry) => {
            const e = entry as PerformanceEntry & {
              blockingDuration: number;
              renderStart: number;
              styleAndLayoutStart: number;
              scripts: Array<{
                invoker: string;
                duration: number;
                forcedStyleAndLayoutDuration: number;
                sourceURL: string;
                sourceFunctionName: string;
              }>;
            };
            const end = e.startTime + e.duration;
            return {
              atMs: r1(e.startTime - t0),
              ms: r1(e.duration),
              blockingMs: r1(e.blockingDuration),
              beforeRenderMs: r1((e.renderStart || end) - e.startTime),
              styleAndLayoutMs: r1(e.styleAndLayoutStart ? end - e.styleAndLayoutStart : 0),
              scripts: [...e.scripts]
                .sort((a, b) => b.duration - a.duration)
                .slice(0, 3)
                .map((x) => ({
                  invoker: x.invoker,
                  ms: r1(x.duration),
                  forcedLayoutMs: r1(x.forcedStyleAndLayoutDuration),
                  source: [x.sourceFunctionName || '(anonymous)', x.sourceURL.split('/').pop()]
                    .filter(Boolean)
                    .join(' '),
                })),
            };
          }),
      });
    };
    const frame = (now: number) => {
      deltas.push(now - last);
      last = now;
      while (
        reached < args.milestones.length &&
        document.querySelector(`article[data-id="${args.milestones[reached]}"]`)
      )
        reached++;
      if (!el || reached === args.milestones.length || now - t0 > args.timeoutMs) {
        finish();
        return;
      }
      el.scrollTop = Math.max(0, el.scrollTop - args.stepPx);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame((now) => {
      last = now;
      requestAnimationFrame(frame);
    });
  });
}

export interface DeviceConversation {
  id: string;
  syncedSeq: number;
  lastSeq: number;
  unreadCount: number | null;
}

/** Every conversation in the device's IndexedDB (raw read, as stored), and the list's unread labels. */
export async function deviceState(dbName: string): Promise<{
  conversations: DeviceConversation[];
  /** Unread count shown per conversation link ("N unread" in its accessible name; 0 without). */
  shownUnread: Record<string, number>;
}> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(dbName);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  try {
    const rows = await new Promise<
      Array<{ id: string; syncedSeq: number; lastSeq: number; unreadCount?: number }>
    >((resolve, reject) => {
      if (!db.objectStoreNames.contains('conversations')) return resolve([]);
      const req = db.transaction('conversations').objectStore('conversations').getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const shownUnread: Record<string, number> = {};
    for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a[href^="/c/"]')) {
      const id = decodeURIComponent(a.getAttribute('href')!.slice(3));
      const m = /(\d+) unread/.exec(a.getAttribute('aria-label') ?? '');
      shownUnread[id] = m ? Number(m[1]) : 0;
    }
    return {
      conversations: rows.map((c) => ({
        id: c.id,
        syncedSeq: c.syncedSeq,
        lastSeq: c.lastSeq,
        unreadCount: c.unreadCount ?? null,
      })),
      shownUnread,
    };
  } finally {
    db.close();
  }
}

/** When the hub last saved the device's search index (ms since the epoch), or null if never. */
export async function searchIndexSavedAt(dbName: string): Promise<number | null> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(dbName);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  try {
    if (!db.objectStoreNames.contains('search')) return null;
    return await new Promise<number | null>((resolve, reject) => {
      const req = db.transaction('search').objectStore('search').get('messages');
      req.onsuccess = () => resolve((req.result as { savedAt?: number } | undefined)?.savedAt ?? null);
      req.onerror = () => reject(req.error);
    });
  } finally {
    db.close();
  }
}
