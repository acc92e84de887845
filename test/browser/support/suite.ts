/** The server and browser most browser-test files share: started once, closed after the last test. */
import { afterAll, beforeAll, beforeEach, onTestFailed } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { startFerry, type Ferry, type StartFerryOptions } from './ferry';

export interface FerrySuite {
  /** The server of this file (or describe); throws before beforeAll has run. */
  readonly ferry: Ferry;
  /** Debian Chromium of this file (or describe); throws before beforeAll has run. */
  readonly browser: Browser;
}

/**
 * Starts a Ferry server and Chromium before the tests of the enclosing file or describe block and
 * closes both after them. Call it at the top level of either; read `ferry` and `browser` in tests.
 */
export function ferrySuite(options: StartFerryOptions = {}): FerrySuite {
  let ferry: Ferry | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    ferry = await startFerry(options);
    browser = await launchBrowser();
  });
  // A test that stopped the server and then failed must not fail every test after it (and its
  // own retry) with ECONNREFUSED: each test starts with the server up.
  beforeEach(async () => {
    if (ferry && !ferry.running) await ferry.restart();
    // A failure on a loaded CI machine is often not reproducible alone: say what each tab showed.
    onTestFailed(async () => {
      if (browser) console.error(await describePages(browser));
    });
  });
  afterAll(async () => {
    await browser?.close();
    await ferry?.dispose();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new Error(`The suite's ${what} is not started yet (read it inside a test).`);
    return value;
  };
  return {
    get ferry() {
      return ready(ferry, 'server');
    },
    get browser() {
      return ready(browser, 'browser');
    },
  };
}

/** Each open tab's address and accessibility tree, bounded in time (a hung tab is named as such). */
export async function describePages(browser: Browser): Promise<string> {
  const parts: string[] = [];
  for (const [c, context] of browser.contexts().entries())
    for (const [p, page] of context.pages().entries()) {
      const tree = await page
        .locator('body')
        .ariaSnapshot({ timeout: 2_000 })
        .catch(
          (err: unknown) =>
            `(no snapshot: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
        );
      parts.push(`--- context ${c + 1}, tab ${p + 1}: ${page.url()}\n${tree}`);
    }
  return `What the open tabs showed when the test failed:\n${parts.join('\n') || '(no open tab)'}`;
}
