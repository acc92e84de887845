/**
 * Serves the built PWA (WEB_ROOT) from the same origin as the API: hashed `/assets/*` are cached
 * for a year as immutable; everything else (index.html, sw.js, manifest.webmanifest, registerSW.js,
 * icons) is `no-cache`, so browsers revalidate it (ETag) every time and a new Service Worker is
 * picked up at once. Page routes (`/join/<code>`, `/c/<id>`) fall back to index.html.
 */
import { createReadStream, type Stats } from 'node:fs';
import { realpath, stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Context, Middleware } from 'koa';
import { isServerPath } from '../../contract/index.js';

export interface StaticOptions {
  /** WEB_ROOT: the folder `vite build` wrote (index.html, assets/, sw.js, ...). */
  root: string;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
/** Files above this are streamed as they are, not held in memory or compressed. */
const MAX_CACHED_BYTES = 1024 * 1024;
/** Below this, compression saves less than the headers it costs. */
const MIN_COMPRESS_BYTES = 1024;
const COMPRESSIBLE = /^(text\/|application\/(javascript|json|manifest\+json|xml)|image\/svg\+xml)/;

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

interface CachedFile {
  key: string;
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

/** Koa middleware serving WEB_ROOT with Ferry's caching rules and SPA fallback. */
export function serveStatic(options: StaticOptions): Middleware {
  const root = path.resolve(options.root);
  const cache = new Map<string, CachedFile>();

  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || isServerPath(ctx.path)) return next();

    const relative = safeRelativePath(ctx.path);
    if (relative === null) {
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = 'Not found';
      return;
    }

    const realRoot = await realpath(root).catch(() => null);
    if (!realRoot || !(await isFile(path.join(realRoot, 'index.html')))) return notBuilt(ctx, root);

    const file = await resolveInside(realRoot, relative === '' ? 'index.html' : relative);
    if (file) return sendFile(ctx, file.path, file.stats, relative.startsWith('assets/'), cache);

    if (relative.startsWith('assets/') || !wantsPage(ctx, relative)) {
      // A missing hashed asset (old page after a deploy) must 404, never get HTML back.
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = 'Not found';
      return;
    }
    const index = await resolveInside(realRoot, 'index.html');
    if (!index) return notBuilt(ctx, root);
    return sendFile(ctx, index.path, index.stats, false, cache);
  };
}

/**
 * The URL path as a relative file path under the root ('' for '/'), or null when it cannot name
 * a file we serve: undecodable, NUL bytes, backslashes, `..` segments or dot-files (.git, .env;
 * only the top-level `.well-known/` is public).
 */
export function safeRelativePath(urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s, i) => s.startsWith('.') && !(i === 0 && s === '.well-known'))) return null;
  return segments.join('/');
}

/**
 * An extension-less path, or a browser navigation: a page route for the SPA. A wildcard Accept does not
 * count, so a script or image request for a missing file gets 404, not HTML.
 */
function wantsPage(ctx: Context, relative: string): boolean {
  const last = relative.split('/').pop() ?? '';
  if (!last.includes('.')) return true;
  return ctx.get('Sec-Fetch-Mode') === 'navigate' || /\btext\/html\b/i.test(ctx.get('Accept'));
}

/** The file's real path and stats when it is a regular file inside the root (symlinks too). */
async function resolveInside(
  realRoot: string,
  relative: string,
): Promise<{ path: string; stats: Stats } | null> {
  try {
    const real = await realpath(path.join(realRoot, relative));
    const prefix = realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep;
    if (!real.startsWith(prefix)) return null;
    const stats = await stat(real);
    return stats.isFile() ? { path: real, stats } : null;
  } catch {
    return null;
  }
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function sendFile(
  ctx: Context,
  file: string,
  stats: Stats,
  immutable: boolean,
  cache: Map<string, CachedFile>,
): Promise<void> {
  ctx.status = 200;
  ctx.type = path.extname(file) || 'application/octet-stream';
  ctx.set('Cache-Control', immutable ? IMMUTABLE : REVALIDATE);
  ctx.lastModified = stats.mtime;
  ctx.etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const compressible = COMPRESSIBLE.test(ctx.type);
  if (compressible) ctx.vary('Accept-Encoding');
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  if (stats.size > MAX_CACHED_BYTES) {
    ctx.length = stats.size;
    ctx.body = ctx.method === 'HEAD' ? null : createReadStream(file);
    return;
  }

  const key = `${file}:${stats.size}:${stats.mtimeMs}`;
  let entry = cache.get(file);
  if (!entry || entry.key !== key) {
    entry = { key, body: await readFile(file) };
    cache.set(file, entry);
  }
  let body = entry.body;
  if (compressible && body.length >= MIN_COMPRESS_BYTES) {
    const encoding = ctx.acceptsEncodings('br', 'gzip', 'identity');
    if (encoding === 'br') {
      entry.br ??= await brotli(entry.body);
      body = entry.br;
    } else if (encoding === 'gzip') {
      entry.gzip ??= await gzip(entry.body);
      body = entry.gzip;
    }
    if (body !== entry.body) ctx.set('Content-Encoding', encoding as string);
  }
  ctx.body = body;
}

/** A clear page instead of a bare 404 when the page has not been built into WEB_ROOT. */
function notBuilt(ctx: Context, root: string): void {
  ctx.status = 503;
  ctx.type = 'text/html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = `<!doctype html><meta charset="utf-8"><title>Ferry: page not built</title>
<h1>Ferry's page is not built yet</h1>
<p>The server found no <code>index.html</code> in WEB_ROOT (<code>${escapeHtml(root)}</code>).
Run <code>npm run build</code>, or set WEB_ROOT to the folder the build wrote, then reload.</p>\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
