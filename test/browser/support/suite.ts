/** The server and browser most browser-test files share: started once, closed after the last test. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
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
