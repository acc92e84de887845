/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), with the launch flags
 * from /work/shared/notes/pwa-testing.md, and small helpers for contexts and tabs.
 */
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';
import type { Ferry } from './ferry';

/** Features playwright-core disables by default (its chromiumSwitches), repeated: see below. */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];

/**
 * Chromium's omnibox popups, WebUI pages that headless Chromium 156 still builds and preloads for
 * every new window, i.e. every browser context: about 2 of the 4 CPU-seconds a fresh context with
 * one Ferry tab cost on a 2-core machine, and in long bench runs a renderer that re-rendered
 * without end (a third to a half of a core) beside the page measured. Nobody sees them headless.
 */
const BROWSER_UI_FEATURES = [
  'PreloadTopChromeWebUI',
  'WebUIOmniboxPopup',
  'WebUIOmniboxFullPopup',
  'WebUIOmniboxAimPopup',
  'OmniboxAimPopup',
  'AiModeOmniboxEntryPoint',
];

/**
 * Chromium flags, for the tests and the client benches alike: nothing reaches outside hosts (the
 * machine refuses them), and no browser UI is built that nobody sees. Chromium keeps only the last
 * --disable-features it is given, and playwright-core puts its own before ours: ours repeats its
 * list.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...BROWSER_UI_FEATURES].join(',')}`,
];

/** Path of the Chromium binary: CHROMIUM_PATH or /usr/bin/chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches headless Debian Chromium. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** Longest wait of one page action (click, fill, waitFor without its own timeout). */
export const ACTION_TIMEOUT = 15_000;

/** A fresh context (own IndexedDB, workers, cookies) in English, as the tests' names are English. */
export async function newContext(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  context.setDefaultTimeout(ACTION_TIMEOUT);
  return context;
}

/** Opens one tab on `path` of the app and waits for the page to load. */
export async function openTab(context: BrowserContext, ferry: Ferry, path = '/'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(ferry.url + path);
  return page;
}

/** Opens `n` tabs on `path`, one after the other. */
export async function openTabs(
  context: BrowserContext,
  ferry: Ferry,
  n: number,
  path = '/',
): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < n; i++) pages.push(await openTab(context, ferry, path));
  return pages;
}

/** Collects uncaught page errors and console errors of a tab (e.g. CSP violations), to assert none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

/** Deletes `SharedWorker` from every page of a context before the app boots (elected-tab mode). */
export async function removeSharedWorker(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    delete (window as { SharedWorker?: unknown }).SharedWorker;
  });
}
