/**
 * What JavaScript and CSS the first page load needs, gzip-compressed: the page's own script and
 * stylesheet responses, plus the SharedWorker hub's script (a worker's fetches are invisible to
 * page events, so its URL comes from Chromium's target list and its bytes from the server).
 */
import { get } from 'node:http';
import { brotliDecompressSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import type { Browser, Page, Response } from 'playwright-core';

export interface AssetSize {
  url: string;
  kind: 'js' | 'css';
  /** Who needed it: the page itself or the SharedWorker hub. */
  by: 'page' | 'shared-worker';
  bytes: number;
  /** gzip -9 of the file: the measure the goal is judged on (independent of server settings). */
  gzipBytes: number;
  /** Body bytes as they came over the wire (compressed when the server compressed them). */
  wireBytes: number;
  /** Content-Encoding the server actually sent (none means uncompressed on the wire). */
  encoding: string;
  /**
   * When the page asked for it (ms since the epoch, Chromium's clock), to tell what the first
   * content waited for from what was fetched after it; null for the hub's scripts (the worker
   * starts with the page, so its script and static imports always count).
   */
  requestedAt: number | null;
}

/** gzip at level 9, as precompressed static assets would be served. */
export const gzipSize = (b: Buffer | string): number => gzipSync(b, { level: 9 }).length;

const kindOf = (url: string, type: string): 'js' | 'css' | null =>
  type === 'script' || /\.m?js(\?|$)/.test(url)
    ? 'js'
    : type === 'stylesheet' || /\.css(\?|$)/.test(url)
      ? 'css'
      : null;

/** Starts recording the page's JS/CSS responses; `done()` returns what arrived until then. */
export function recordPageAssets(page: Page): { done(): Promise<AssetSize[]> } {
  const pending: Array<Promise<AssetSize | null>> = [];
  const onResponse = (r: Response) => {
    const kind = kindOf(r.url(), r.request().resourceType());
    if (!kind || !r.ok()) return;
    const requestedAt = r.request().timing().startTime;
    pending.push(
      Promise.all([r.body(), r.request().sizes()]).then(
        ([body, sizes]) => ({
          url: new URL(r.url()).pathname,
          kind,
          by: 'page' as const,
          bytes: body.length,
          gzipBytes: gzipSize(body),
          wireBytes: sizes.responseBodySize,
          encoding: r.headers()['content-encoding'] ?? 'none',
          requestedAt: requestedAt > 0 ? requestedAt : null,
        }),
        () => null,
      ),
    );
  };
  page.on('response', onResponse);
  return {
    async done() {
      page.off('response', onResponse);
      return (await Promise.all(pending)).filter((a): a is AssetSize => a !== null);
    },
  };
}

/** Watches Chromium for SharedWorker targets; `urls()` lists the scripts seen so far. */
export async function watchSharedWorkers(
  browser: Browser,
): Promise<{ urls(): string[]; stop(): Promise<void> }> {
  const cdp = await browser.newBrowserCDPSession();
  const seen = new Set<string>();
  cdp.on('Target.targetCreated', (e) => {
    if (e.targetInfo.type === 'shared_worker') seen.add(e.targetInfo.url);
  });
  await cdp.send('Target.setDiscoverTargets', { discover: true });
  return {
    urls: () => [...seen],
    stop: () => cdp.detach().catch(() => undefined),
  };
}

/** Static imports of an ES module's code ("./x.js", "/assets/x.js"), resolved against its URL. */
export function staticImports(code: string, base: string): string[] {
  const out = new Set<string>();
  for (const m of code.matchAll(/(?:import|export)\s*(?:[\w*{}\s,$]*?from\s*)?["'`]([^"'`]+\.js)["'`]/g))
    out.add(new URL(m[1], base).toString());
  return [...out];
}

/** Fetches a worker's script and its static imports (not already counted) and sizes them. */
export async function workerAssets(entryUrl: string, alreadyCounted: Set<string>): Promise<AssetSize[]> {
  const out: AssetSize[] = [];
  const queue = [entryUrl];
  const seen = new Set<string>();
  while (queue.length) {
    const url = queue.shift()!;
    const path = new URL(url).pathname;
    if (seen.has(url) || alreadyCounted.has(path)) continue;
    seen.add(url);
    const res = await rawGet(url);
    const body = decode(res.body, res.encoding);
    out.push({
      url: path,
      kind: 'js',
      by: 'shared-worker',
      bytes: body.length,
      gzipBytes: gzipSize(body),
      wireBytes: res.body.length,
      encoding: res.encoding,
      requestedAt: null,
    });
    queue.push(...staticImports(body.toString('utf8'), url));
  }
  return out;
}

/** GET as a browser would (accepting compression), keeping the bytes as sent. */
function rawGet(url: string): Promise<{ body: Buffer; encoding: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { 'accept-encoding': 'gzip, deflate, br' }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve({ body: Buffer.concat(chunks), encoding: res.headers['content-encoding'] ?? 'none' })
          : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`)),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

function decode(body: Buffer, encoding: string): Buffer {
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'br') return brotliDecompressSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  return body;
}
