/**
 * The built page is served from the same origin with the caching rules a PWA needs: hashed assets
 * immutable, everything else revalidated, page routes falling back to index.html, and nothing
 * outside WEB_ROOT reachable. WEB_ROOT is a small real folder written for the test.
 */
import { request as httpRequest } from 'node:http';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startTestServer, type TestServer } from './support/app.js';
import { http } from './support/clients.js';
import { API_PREFIX, HttpPath } from '../../contract/index.js';

const INDEX_HTML = '<!doctype html><title>Ferry test page</title><div id="app">INDEX-MARKER</div>';
const SECRET = 'SECRET-OUTSIDE-WEB-ROOT';
/** Big enough to be compressed (over 1 KB). */
const APP_JS = `export const marker = 'ASSET-MARKER';\n${'console.log("filler line");\n'.repeat(100)}`;
/** The smallest valid PNG's signature and header bytes: served byte for byte. */
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

let parent: string;
let server: TestServer;

/** Sends a GET with a raw, un-normalised path (fetch would resolve `..` before sending). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', path, headers: { accept: 'text/html' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  parent = await makeTempDir('ferry-static-');
  const root = join(parent, 'web');
  await mkdir(join(root, 'assets'), { recursive: true });
  await mkdir(join(root, 'icons'), { recursive: true });
  await writeFile(join(root, 'index.html'), INDEX_HTML);
  await writeFile(join(root, 'sw.js'), "self.addEventListener('fetch', () => {});\n");
  await writeFile(join(root, 'registerSW.js'), "navigator.serviceWorker.register('/sw.js');\n");
  await writeFile(join(root, 'manifest.webmanifest'), JSON.stringify({ name: 'Ferry', start_url: '/' }));
  await writeFile(join(root, 'assets', 'index-Ab12Cd34.js'), APP_JS);
  await writeFile(join(root, 'assets', 'index-Ef56Gh78.css'), 'body{margin:0}\n');
  await writeFile(join(root, 'icons', 'icon-192.png'), PNG);
  await writeFile(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(root, '.env'), SECRET);
  await writeFile(join(parent, 'secret.txt'), SECRET);
  // A symlink inside WEB_ROOT that points outside it must not leak the target.
  await symlink(join(parent, 'secret.txt'), join(root, 'assets', 'leak.txt'));
  server = await startTestServer({ env: { WEB_ROOT: root } });
});

afterAll(async () => {
  await server?.close();
  await rm(parent, { recursive: true, force: true });
});

describe('static files', () => {
  it('serves hashed assets as immutable for a year with their content type', async () => {
    const js = await http(server.url, '/assets/index-Ab12Cd34.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.text).toContain('ASSET-MARKER');

    const css = await http(server.url, '/assets/index-Ef56Gh78.css');
    expect(css.headers.get('cache-control')).toContain('immutable');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('makes browsers revalidate index.html, sw.js, registerSW.js and the manifest every time', async () => {
    const expected: Record<string, RegExp> = {
      '/': /^text\/html/,
      '/index.html': /^text\/html/,
      '/sw.js': /^text\/javascript/,
      '/registerSW.js': /^text\/javascript/,
      '/manifest.webmanifest': /^application\/manifest\+json/,
      '/favicon.svg': /^image\/svg\+xml/,
      '/icons/icon-192.png': /^image\/png/,
    };
    for (const [path, type] of Object.entries(expected)) {
      const res = await http(server.url, path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('no-cache');
      expect(res.headers.get('content-type'), path).toMatch(type);
      expect(res.headers.get('etag'), path).toBeTruthy();
    }
  });

  it('serves binary files byte for byte', async () => {
    const res = await fetch(`${server.url}/icons/icon-192.png`);
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('answers a revalidation with 304 when the file has not changed', async () => {
    const first = await http(server.url, '/sw.js');
    const etag = first.headers.get('etag')!;
    // node:http, because fetch adds `Cache-Control: no-cache` to conditional requests (a forced reload).
    const again = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${server.url}/sw.js`, { headers: { 'if-none-match': etag } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += String(c)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('compresses text assets for clients that accept brotli or gzip', async () => {
    for (const [encoding, decode] of [
      ['br', brotliDecompressSync],
      ['gzip', gunzipSync],
    ] as const) {
      // node:http, because fetch would decompress transparently and hide the header.
      const res = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = httpRequest(
          `${server.url}/assets/index-Ab12Cd34.js`,
          { headers: { 'accept-encoding': encoding } },
          (r) => {
            const chunks: Buffer[] = [];
            r.on('data', (c: Buffer) => chunks.push(c));
            r.on('end', () => resolve({ headers: r.headers, body: Buffer.concat(chunks) }));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers.vary).toContain('Accept-Encoding');
      expect(res.body.length).toBeLessThan(Buffer.byteLength(APP_JS));
      expect(decode(res.body).toString()).toBe(APP_JS);
    }
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await fetch(`${server.url}/assets/index-Ab12Cd34.js`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(await res.text()).toBe('');
  });
});

describe('page routes', () => {
  it('serves index.html for invite links and conversation deep links', async () => {
    for (const path of [
      '/join/AbC-123_x',
      '/join/code.with.dots',
      '/c/6f1f3f2e-5d2b-4c55-9a55-0d6f4a8b9c10',
      '/some/page',
    ]) {
      const res = await http(server.url, path, { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(res.status, path).toBe(200);
      expect(res.text, path).toContain('INDEX-MARKER');
      expect(res.headers.get('cache-control'), path).toBe('no-cache');
    }
  });

  it('serves index.html for an extension-less path even without an Accept header', async () => {
    const res = await http(server.url, '/join/code');
    expect(res.text).toContain('INDEX-MARKER');
  });

  it('answers 404, not HTML, for a missing hashed asset or a missing file', async () => {
    const asset = await http(server.url, '/assets/index-Old00000.js', { headers: { accept: 'text/html' } });
    expect(asset.status).toBe(404);
    expect(asset.text).not.toContain('INDEX-MARKER');
    const icon = await http(server.url, '/favicon.ico', { headers: { accept: 'image/*' } });
    expect(icon.status).toBe(404);
    // What a <script> or fetch() sends: not a navigation, so no HTML in place of a script.
    const script = await http(server.url, '/registerSW-old.js', { headers: { accept: '*/*' } });
    expect(script.status).toBe(404);
    expect(script.text).not.toContain('INDEX-MARKER');
  });

  it('never answers server paths with the page', async () => {
    const api = await http(server.url, `${API_PREFIX}/no-such-route`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(api.body).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const health = await http(server.url, HttpPath.health, { headers: { accept: 'text/html' } });
    expect(health.body).toMatchObject({ ok: true });
    const metrics = await http(server.url, HttpPath.metrics, { headers: { accept: 'text/html' } });
    expect(metrics.text).not.toContain('INDEX-MARKER');
  });
});

describe('path traversal', () => {
  it('refuses every path that would leave WEB_ROOT or reveal dot-files', async () => {
    const attempts = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/.env',
      '/assets/leak.txt',
      '/index.html%00.js',
      '/%E0%A4%A',
    ];
    for (const path of attempts) {
      const res = await rawGet(server.url, path);
      expect(res.body, path).not.toContain(SECRET);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
  });
});

describe('missing build', () => {
  it('explains with a 503 page that the page must be built', async () => {
    const unbuilt = await startTestServer({ env: { WEB_ROOT: join(parent, 'no-such-build') } });
    try {
      const res = await http(unbuilt.url, '/', { headers: { accept: 'text/html' } });
      expect(res.status).toBe(503);
      expect(res.text).toContain('npm run build');
      // The API does not depend on the page being built.
      const health = await http(unbuilt.url, HttpPath.health);
      expect(health.status).toBe(200);
    } finally {
      await unbuilt.close();
    }
  });
});
