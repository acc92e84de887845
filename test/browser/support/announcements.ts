/**
 * What a screen reader would read out by itself: every text added to (or changed in) a live region
 * of the page (aria-live polite/assertive, or a role that is live by default: log, status, alert,
 * marquee, timer), recorded by a MutationObserver from the moment `recordAnnouncements` is called.
 */
import type { Page } from 'playwright-core';

/** Starts recording the page's live-region announcements. */
export async function recordAnnouncements(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __spoken?: string[] };
    if (w.__spoken) return;
    const spoken: string[] = (w.__spoken = []);
    const LIVE_ROLES: Record<string, string> = {
      log: 'polite',
      status: 'polite',
      alert: 'assertive',
      marquee: 'off',
      timer: 'off',
    };
    const liveRegion = (node: Node | null): Element | null => {
      for (
        let el = node instanceof Element ? node : (node?.parentElement ?? null);
        el;
        el = el.parentElement
      ) {
        const live = el.getAttribute('aria-live') ?? LIVE_ROLES[el.getAttribute('role') ?? ''];
        if (live === 'off') return null;
        if (live === 'polite' || live === 'assertive') return el;
      }
      return null;
    };
    const say = (text: string | null | undefined) => {
      const clean = text?.replace(/\s+/g, ' ').trim();
      if (clean) spoken.push(clean);
    };
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === 'characterData') {
          if (liveRegion(record.target)) say(record.target.textContent);
          continue;
        }
        for (const added of record.addedNodes) if (liveRegion(added)) say(added.textContent);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** Everything announced since recording started, in order. */
export function announcements(page: Page): Promise<string[]> {
  return page.evaluate(() => [...((window as unknown as { __spoken?: string[] }).__spoken ?? [])]);
}
