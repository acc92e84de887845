/**
 * Code the feel scenario runs inside its two pages (serialized by Playwright, so each function
 * stands alone). Times are wall-clock milliseconds with sub-millisecond precision
 * (performance.timeOrigin + performance.now()): both pages run on the same machine, so a time
 * taken in the sender's page and one taken in the receiver's page are on one clock.
 */

/** What the pages record, keyed by sample number. */
export interface FeelMarks {
  /** Sender: the Enter keydown in the composer. */
  sentAt: Record<number, number>;
  /** Sender: the message first in its own page (the outbox write shown). Receiver: first in the DOM. */
  shownAt: Record<number, number>;
  /** The first animation frame after `shownAt` (what was inserted is painted by then). */
  paintedAt: Record<number, number>;
}

/**
 * Init script for both pages: times Enter in the composer (capture phase, before the app's own
 * handler runs) and the first appearance of each `feel|<n>|` text in the DOM.
 */
export function installFeelMarks(): void {
  const marks: FeelMarks = { sentAt: {}, shownAt: {}, paintedAt: {} };
  (window as unknown as { __benchFeel: FeelMarks }).__benchFeel = marks;
  const now = () => performance.timeOrigin + performance.now();
  const pattern = /feel\|(\d+)\|/g;
  window.addEventListener(
    'keydown',
    (e) => {
      const target = e.target as HTMLTextAreaElement | null;
      if (e.key !== 'Enter' || e.shiftKey || target?.tagName !== 'TEXTAREA') return;
      const m = /feel\|(\d+)\|/.exec(target.value);
      if (m) marks.sentAt[Number(m[1])] ??= now();
    },
    true,
  );
  const seen = (text: string | null) => {
    if (!text || !text.includes('feel|')) return;
    const at = now();
    for (const m of text.matchAll(pattern)) {
      const n = Number(m[1]);
      if (marks.shownAt[n] !== undefined) continue;
      marks.shownAt[n] = at;
      requestAnimationFrame(() => (marks.paintedAt[n] = now()));
    }
  };
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'characterData') seen(r.target.textContent);
      // The composer's own text is not a message on screen.
      else
        for (const node of r.addedNodes) if (!(node instanceof HTMLTextAreaElement)) seen(node.textContent);
    }
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
}
