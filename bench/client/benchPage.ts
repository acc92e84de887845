/** Bench-only pages and scripts (never shipped): built by vite from files under bench/. */
import { repoPath } from '../lib/paths.js';

/** Builds the page in `root` (relative to the repository) with vite into `outDir`: no PWA plugin, only what it imports. */
export async function buildBenchPage(root: string, outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    root: repoPath(root),
    configFile: false,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'es2022' },
  });
}

/**
 * Builds `entry` (relative to the repository) and what it imports into one classic script, for a
 * page to run with addScriptTag (the app's own origin, so its IndexedDB); returns the script.
 */
export async function buildBenchScript(entry: string, outDir: string): Promise<string> {
  const { build } = await import('vite');
  const { readFileSync } = await import('node:fs');
  const path = await import('node:path');
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      lib: { entry: repoPath(entry), formats: ['iife'], name: 'benchScript', fileName: () => 'script.js' },
    },
  });
  return readFileSync(path.join(outDir, 'script.js'), 'utf8');
}
