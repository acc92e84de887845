/**
 * Scenario 8, profile: Ferry (one node, SQLite) and the baseline under the relay load at one
 * fixed offered rate, each run with `node --cpu-prof`; the functions and areas with the most self
 * time go into the results, so the server's hot spots are measured in the same run as its
 * capacity. Profiling slows a server a little, which is why this is its own scenario.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { summarizeCpuProfile, type ProfileSummary } from '../lib/cpuProfile.js';
import { startBaseline } from '../targets/baseline.js';
import { startFerry } from '../targets/ferry.js';
import type { Target, TargetName } from '../targets/types.js';
import type { BenchContext, ScenarioOutput } from '../types.js';
import { rowMaker } from '../types.js';
import { runRelaySeries, type RelaySeries } from './relaySeries.js';
import { onTarget, sideErrors } from './sides.js';

export interface ProfiledSide {
  series: RelaySeries | null;
  profile: ProfileSummary | null;
}

export interface ProfileResult {
  rate: number;
  ferry: ProfiledSide;
  baseline: ProfiledSide;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Node flags that make a server write its CPU profile into `dir` when it exits. */
const cpuProfArgs = (dir: string) => ['--cpu-prof', '--cpu-prof-dir', dir];

export async function profileScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const p = ctx.params.profile;
  const rate = p.rates[0];
  const cpus = ctx.pinning.serverCpus;
  ctx.log(`profile: each server under ${rate} msg/s offered for ${p.stepMs / 1000} s with --cpu-prof`);
  const profiled = async (name: TargetName, start: (dir: string) => Promise<Target>) => {
    const dir = path.join(ctx.tmpDir, `cpu-profile-${name}`);
    mkdirSync(dir, { recursive: true });
    const side = await onTarget(
      () => start(dir),
      (t) => runRelaySeries(t, p, ctx),
    );
    // The profile is written when the server exits (onTarget stops it gracefully); the main
    // thread's (thread id 0 in the name) is the relay's, the others are the store's threads.
    const file = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .sort()
      .find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
    const window = side.value?.steps[0]?.window;
    return { side, profile: file ? summarizeCpuProfile(path.join(dir, file), 15, window) : null };
  };
  const baseline = await profiled('baseline', (dir) =>
    startBaseline({ logDir: ctx.logDir, cpus, nodeArgs: cpuProfArgs(dir) }),
  );
  const ferry = await profiled('ferry', (dir) =>
    startFerry({
      logDir: ctx.logDir,
      dataDir: path.join(ctx.tmpDir, 'profile-ferry'),
      cpus,
      nodeArgs: cpuProfArgs(dir),
    }),
  );
  const errors = sideErrors({ ferry: ferry.side, baseline: baseline.side });
  for (const [name, s] of [
    ['ferry', ferry],
    ['baseline', baseline],
  ] as const)
    if (!s.profile) errors.push(`${name}: the server wrote no .cpuprofile (did it exit gracefully?)`);
  const fs = ferry.side.value?.steps[0];
  const bs = baseline.side.value?.steps[0];
  const row = rowMaker('profile');
  const busyS = (s: ProfileSummary | null) => (s ? s.busyMs / 1000 : null);
  const describe = (name: string, s: ProfileSummary | null): string[] =>
    s
      ? [
          `${name}: sampled ${(s.totalMs / 1000).toFixed(1)} s, busy ${(s.busyMs / 1000).toFixed(1)} s. ` +
            `Self time by area: ${s.areas.map((a) => `${pct(a.share)} ${a.area}`).join(', ')}.`,
          `${name}: top functions by self time (share of busy time): ` +
            s.hotSpots
              .map((h) => `${pct(h.share)} \`${h.name}\`${h.location ? ` (${h.location})` : ''}`)
              .join('; ') +
            '.',
        ]
      : [];
  const data: ProfileResult = {
    rate,
    ferry: { series: ferry.side.value ?? null, profile: ferry.profile },
    baseline: { series: baseline.side.value ?? null, profile: baseline.profile },
  };
  return {
    rows: [
      row(
        `server CPU @ ${rate} msg/s offered (profiled)`,
        'cores',
        fs?.serverCpu ?? null,
        bs?.serverCpu ?? null,
      ),
      row(
        `deliveries/s @ ${rate} msg/s offered (profiled)`,
        'msg/s',
        fs?.deliveredPerSec ?? null,
        bs?.deliveredPerSec ?? null,
      ),
      row('busy main-thread time in the profiled step', 's', busyS(ferry.profile), busyS(baseline.profile)),
    ],
    goals: [],
    charts: [],
    notes: [
      `Each server on its own (Ferry one node, SQLite), the relay scenario's load at ${rate} msg/s offered for ` +
        `${p.stepMs / 1000} s after a warm-up, started with \`node --cpu-prof\`. Self time = samples with the ` +
        "function itself on top of the stack, counted over the measured step only (sending and draining, not start-up or sign-ups), on the server's main thread " +
        '(the SQLite store works on threads of its own). ' +
        "The profiler samples by the clock, and the server's threads share the pinned core: while Ferry's writer " +
        'thread runs a commit, the main thread waits for the core inside the call that woke the writer, so those ' +
        'samples count as busy time in `postMessage` (unpinned, its share falls to a few per cent). ' +
        'Locations in TypeScript files show line 1: tsx compiles them without source maps for the profiler.',
      ...describe('Ferry', ferry.profile),
      ...describe('Baseline', baseline.profile),
    ],
    errors,
    data,
  };
}
