/**
 * The Chromium every browser test and the client benches drive (support/browser.ts): its flags
 * take effect, and replacing playwright-core's --disable-features keeps every feature it disables.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_PATH, PLAYWRIGHT_DISABLED_FEATURES, launchBrowser } from './support/index';

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

/** The --disable-features Chromium runs with, as chrome://version shows its command line. */
async function disabledFeatures(b: Browser): Promise<string[]> {
  const page = await (await b.newContext()).newPage();
  await page.goto('chrome://version');
  const commandLine = (await page.locator('#command_line').textContent()) ?? '';
  // Chromium keeps the last of repeated switches.
  const all = [...commandLine.matchAll(/--disable-features=(\S+)/g)];
  return all.at(-1)?.[1]?.split(',') ?? [];
}

describe('Chromium for the tests', () => {
  it('keeps every feature playwright-core disables when it sets its own list', async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ['--no-sandbox'],
      headless: true,
    });
    const playwrights = await disabledFeatures(browser);
    expect(playwrights.length).toBeGreaterThan(0);
    await browser.close();
    // playwright-core's own list, read from the browser it launches: a new one must be added to
    // PLAYWRIGHT_DISABLED_FEATURES, or ours would switch it back on.
    expect(PLAYWRIGHT_DISABLED_FEATURES).toEqual(expect.arrayContaining(playwrights));
    browser = await launchBrowser();
    expect(await disabledFeatures(browser)).toEqual(expect.arrayContaining(playwrights));
  });

  it('builds no browser UI page for a new context (the omnibox popup cost every context CPU)', async () => {
    browser = await launchBrowser();
    const page = await (await browser.newContext()).newPage();
    await page.goto('data:text/html,<p>hello</p>');
    const cdp = await browser.newBrowserCDPSession();
    // The popup is preloaded while the window opens: by the time the page has loaded it is there.
    const { targetInfos } = (await cdp.send('Target.getTargets')) as {
      targetInfos: Array<{ type: string; url: string }>;
    };
    expect(targetInfos.filter((t) => t.type !== 'page').map((t) => `${t.type} ${t.url}`)).toEqual([]);
    expect(targetInfos.filter((t) => t.type === 'page')).toHaveLength(1);
  });
});
