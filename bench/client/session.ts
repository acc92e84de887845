/** A signed-in browser context for the client scenarios, and waiting on page state. */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/browser/support/browser.js';
import { SESSION_COOKIE } from '../../contract/index.js';
import type { BenchUser } from '../ferry/api.js';
import { deviceState } from './accountProbes.js';
import { waitUntil } from '../../test/support/wait.js';

/** tsx compiles with keepNames, which wraps functions in `__name(...)`: give pages a no-op one. */
export const NAME_SHIM = 'globalThis.__name ??= (f) => f;';

/**
 * Settles as `work` does, or fails naming `what` once `ms` pass: a page that stops answering (a
 * closed target, a worker that never comes back) fails the scenario instead of hanging it.
 */
export function bounded<T>(what: string, work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Polls `fn` every `everyMs` until it gives a truthy value; throws naming `what` after `timeoutMs`.
 * A check that does not answer is cut at the deadline too (a page.evaluate has no timeout of its own).
 */
export function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const check = () => bounded(`a check of ${what}`, fn(), Math.max(1, deadline - Date.now()) + everyMs);
  return waitUntil(what, check, { timeoutMs, intervalMs: everyMs }) as Promise<T>;
}

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

/**
 * Features Playwright 1.6x turns off itself (chromiumSwitches.ts): a --disable-features given at
 * launch replaces its list rather than adding to it, so they are named again here.
 */
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
];

/**
 * The tests' Chromium (same binary and flags) without its WebUI omnibox popups: headless Chromium
 * 156 keeps chrome://omnibox-popup.top-chrome/ in a renderer that re-renders without end, a third
 * to a half of a core, which on two cores comes out of the page being measured.
 */
export function launchBenchBrowser(): Promise<Browser> {
  const features = [
    ...PLAYWRIGHT_DISABLED_FEATURES,
    'WebUIOmniboxPopup',
    'WebUIOmniboxAimPopup',
    'OmniboxAimPopup',
    'AiModeOmniboxEntryPoint',
  ];
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, `--disable-features=${features.join(',')}`],
    headless: true,
  });
}

/** Waits until the device's IndexedDB holds `conversations` conversations, each caught up to its lastSeq. */
export async function waitForDeviceSync(page: Page, conversations: number, timeoutMs: number): Promise<void> {
  await waitFor(
    `the device to sync ${conversations} conversations`,
    async () => {
      const s = await page.evaluate(deviceState, 'ferry');
      return (
        s.conversations.length === conversations && s.conversations.every((c) => c.syncedSeq >= c.lastSeq)
      );
    },
    timeoutMs,
  );
}
