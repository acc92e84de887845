/**
 * The built page the client scenario serves: the folder given (--web-dist / FERRY_WEB_DIST), or a
 * private build of the current sources into the run's scratch folder (never dist/, which others use).
 */
import type { BenchContext } from '../types.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { logTail, spawnNode } from '../lib/processes.js';
import { repoPath } from '../lib/paths.js';

/** Returns a folder holding index.html of the built page, building one into `tmpDir` if needed. */
export async function ensureWebDist(
  given: string | undefined,
  tmpDir: string,
  logDir: string,
  timeoutMs: number,
): Promise<{ dir: string; built: boolean; ms: number }> {
  const t0 = Date.now();
  if (given) {
    if (!existsSync(path.join(given, 'index.html')))
      throw new Error(
        `No built page at ${given} (index.html missing): build one, or drop --web-dist to let the bench build.`,
      );
    return { dir: given, built: false, ms: 0 };
  }
  const dir = path.join(tmpDir, 'web');
  const build = spawnNode({
    script: repoPath('node_modules/vite/bin/vite.js'),
    args: ['build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'],
    tsx: false,
    env: { NODE_ENV: 'production' },
    logFile: path.join(logDir, 'vite-build.log'),
  });
  const timer = setTimeout(() => build.child.kill('SIGKILL'), timeoutMs);
  const code = await build.exited;
  clearTimeout(timer);
  if (code !== 0 || !existsSync(path.join(dir, 'index.html')))
    throw new Error(`building the page failed (exit ${code}):\n${logTail(build.logFile)}`);
  return { dir, built: true, ms: Date.now() - t0 };
}

/** The page a client scenario serves (given, or built privately), with a log line saying which. */
export async function scenarioWebDist(ctx: BenchContext, scenario: string): Promise<string> {
  const web = await ensureWebDist(ctx.webDist, ctx.tmpDir, ctx.logDir, 120_000);
  ctx.log(
    web.built
      ? `${scenario}: built the page privately in ${(web.ms / 1000).toFixed(1)} s`
      : `${scenario}: page from ${web.dir}`,
  );
  return web.dir;
}
