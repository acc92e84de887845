/**
 * Runs the chosen scenarios one after another within the time budget, then writes
 * results.json, results.md and chart.svg. Used by `npm run bench` (bench/run.ts) and by the
 * smoke test, which runs it at the tiny size into a temp folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchOptions } from './cli.js';
import { BENCH_DIR, REPO_ROOT } from './lib/paths.js';
import { killStragglers } from './lib/processes.js';
import { fileLimit, gitCommit, machineInfo, planPinning, raiseFileLimit } from './lib/system.js';
import { ALL_GOALS_FILE, isWithin, writeAllGoals } from './report/allGoals.js';
import { chartSvg } from './report/chart.js';
import { markdownReport } from './report/markdown.js';
import { SCENARIOS } from './scenarios/index.js';
import { sizeParams } from './sizes.js';
import type { BenchContext, BenchResults, ScenarioResult } from './types.js';

/** The files a run writes, in `outDir`. */
export const RESULT_FILES = { json: 'results.json', markdown: 'results.md', chart: 'chart.svg' } as const;

/** Time kept back at the end of the budget to stop servers and write the reports. */
const RESERVE_MS = 15_000;

export async function runBench(
  opts: BenchOptions,
  log: (message: string) => void = (m) => console.log(m),
): Promise<BenchResults> {
  const started = Date.now();
  const deadline = started + opts.totalBudgetMs;
  // Many idle sockets need many files: as `ulimit -n` would in a wrapper (children inherit it).
  raiseFileLimit(65_536);
  const limit = fileLimit().soft;
  const pinning = planPinning(opts.pin);
  const params = sizeParams(opts.size);
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'ferry-bench-'));
  const logDir = path.join(tmpDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  log(
    `Ferry bench: size ${opts.size}, scenarios ${opts.scenarios.join(', ')}; ${pinning.reason}; file limit ${limit}`,
  );
  log(`scratch folder (logs, data): ${tmpDir}`);

  const results: ScenarioResult[] = [];
  for (const id of opts.scenarios) {
    const { title, run } = SCENARIOS[id];
    const budget = Math.min(params.budgetMs[id], deadline - Date.now() - RESERVE_MS);
    const t0 = Date.now();
    const base = { id, title, notes: [], rows: [], goals: [], charts: [], data: null };
    if (budget < 5_000) {
      results.push({
        ...base,
        status: 'skipped',
        errors: ["no time left in the run's budget (--budget)"],
        durationMs: 0,
      });
      continue;
    }
    log(`\n== ${title} (budget ${Math.round(budget / 1000)} s)`);
    const abort = new AbortController();
    const ctx: BenchContext = {
      size: opts.size,
      params,
      pinning,
      fileLimit: limit,
      tmpDir: path.join(tmpDir, id),
      logDir,
      webDist: opts.webDist,
      postgresUrl: opts.postgresUrl,
      redisUrl: opts.redisUrl,
      signal: abort.signal,
      log,
    };
    mkdirSync(ctx.tmpDir, { recursive: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      const out = await Promise.race([
        run(ctx),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            abort.abort();
            reject(new Error(`stopped: over its ${Math.round(budget / 1000)} s budget`));
          }, budget);
        }),
      ]);
      const errors = out.errors ?? [];
      results.push({
        id,
        title,
        ...out,
        errors,
        status: errors.length ? 'failed' : 'ok',
        durationMs: Date.now() - t0,
      });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log(`  failed: ${msg}`);
      results.push({ ...base, status: 'failed', errors: [msg], durationMs: Date.now() - t0 });
      // A scenario stopped by its budget may leave processes behind: end them before the next.
      killStragglers();
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
    for (const e of results.at(-1)?.errors ?? []) if (!e.startsWith('stopped')) log(`  error: ${e}`);
  }
  killStragglers();

  const bench: BenchResults = {
    meta: {
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      size: opts.size,
      scenarios: opts.scenarios,
      commit: gitCommit(REPO_ROOT),
      machine: machineInfo(),
      pinning: pinning.reason,
      fileLimit: limit,
      command: `npm run bench -- --size ${opts.size} --only ${opts.scenarios.join(',')}`,
    },
    scenarios: results,
    goals: results.flatMap((s) => s.goals),
  };
  writeResults(bench, opts.outDir);
  // A run kept in the results folder (or a folder of it) also updates the table of every goal.
  const resultsRoot = path.join(BENCH_DIR, 'results');
  if (isWithin(resultsRoot, path.resolve(opts.outDir))) {
    const n = writeAllGoals(resultsRoot);
    log(`wrote ${path.relative(process.cwd(), path.join(resultsRoot, ALL_GOALS_FILE))} (${n} goals)`);
  }
  const failed = results.some((r) => r.status === 'failed');
  if (opts.keep || failed) log(`\nscratch folder kept: ${tmpDir} (server and worker logs in logs/)`);
  else rmSync(tmpDir, { recursive: true, force: true });
  return bench;
}

/** Writes the JSON, the Markdown report and the chart into `outDir`. */
export function writeResults(r: BenchResults, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, RESULT_FILES.json), JSON.stringify(r, null, 2) + '\n');
  writeFileSync(path.join(outDir, RESULT_FILES.markdown), markdownReport(r, RESULT_FILES.chart));
  writeFileSync(
    path.join(outDir, RESULT_FILES.chart),
    chartSvg(
      r.scenarios.flatMap((s) => s.charts),
      `Ferry benchmark (${r.meta.size}, ${r.meta.startedAt.slice(0, 16).replace('T', ' ')} UTC)`,
    ),
  );
}
