/** A signed-in browser context for the client scenarios, and waiting on page state. */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../contract/index.js';
import type { BenchUser } from '../ferry/api.js';
import { deviceState } from './accountProbes.js';
import { waitUntil } from '../../test/support/wait.js';

/** One bounded wait for bench and tests alike (bigAccount bounds its page reads with it). */
export { bounded } from '../../test/support/wait.js';

/** tsx compiles with keepNames, which wraps functions in `__name(...)`: give pages a no-op one. */
export const NAME_SHIM = 'globalThis.__name ??= (f) => f;';

/**
 * A fresh context signed in as `user` on `url` (its session cookie), with the name shim.
 * `bypassCSP` lets the bench add its own script to the app's page (the device's IndexedDB).
 */
export async function signedInContext(
  browser: Browser,
  url: string,
  user: BenchUser,
  { bypassCSP = false } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: 'en-US', bypassCSP });
  await context.addCookies([
    {
      name: SESSION_COOKIE,
      value: user.cookie.slice(SESSION_COOKIE.length + 1),
      url,
      httpOnly: true,
      sameSite: 'Lax',
    },
  ]);
  await context.addInitScript({ content: NAME_SHIM });
  return context;
}

/**
 * Resident memory (MB) of the browser's renderer processes (pages and their workers), from
 * /proc: what the operating system sees the page cost, beside the JavaScript heap.
 */
export async function rendererRssMb(browser: Browser): Promise<number | null> {
  const { readFileSync } = await import('node:fs');
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as {
      processInfo: Array<{ type: string; id: number }>;
    };
    let kb = 0;
    for (const p of processInfo.filter((x) => x.type === 'renderer')) {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'));
      kb += m ? Number(m[1]) : 0;
    }
    return Math.round(kb / 102.4) / 10;
  } catch {
    return null;
  } finally {
    await cdp.detach();
  }
}

/** Waits until the device's IndexedDB holds `conversations` conversations, each caught up to its lastSeq. */
export async function waitForDeviceSync(page: Page, conversations: number, timeoutMs: number): Promise<void> {
  await waitUntil(
    `the device to sync ${conversations} conversations`,
    async () => {
      const s = await page.evaluate(deviceState, 'ferry');
      return (
        s.conversations.length === conversations && s.conversations.every((c) => c.syncedSeq >= c.lastSeq)
      );
    },
    { timeoutMs },
  );
}
