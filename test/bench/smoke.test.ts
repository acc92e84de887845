/**
 * Runs every benchmark scenario at the tiny size into a temp folder and checks that what comes out
 * is well-formed, so the benchmark code cannot rot. No speed is judged here: goals live only in
 * `npm run bench` (see bench/README.md).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOptions, type BenchOptions } from '../../bench/cli';
import { RESULT_FILES, runBench } from '../../bench/runBench';
import { ALL_GOALS_FILE, writeAllGoals } from '../../bench/report/allGoals';
import { SCENARIO_IDS, type BenchResults, type ScenarioId, type ScenarioResult } from '../../bench/types';
import type { RelaySeries } from '../../bench/scenarios/relaySeries';
import type { DurableResult } from '../../bench/scenarios/durable';
import type { CapacityResult } from '../../bench/scenarios/capacity';
import type { ClientResult } from '../../bench/scenarios/client';
import type { NoisyDiskResult } from '../../bench/scenarios/noisyDisk';
import type { SearchResult } from '../../bench/scenarios/search';
import type { FeelResult } from '../../bench/scenarios/feel';
import type { UploadResult } from '../../bench/scenarios/upload';
import type { BigAccountResult } from '../../bench/scenarios/bigAccount';
import type { LongOfflineResult } from '../../bench/scenarios/longOffline';
import type { ProfileResult } from '../../bench/scenarios/profile';
import type { LatencySummary } from '../../bench/lib/histogram';
import { PG_URL } from '../scale/support/postgres';
import { REDIS_URL } from '../scale/support/redis';

let outDir: string;
let results: BenchResults;
const logLines: string[] = [];

beforeAll(async () => {
  outDir = mkdtempSync(path.join(os.tmpdir(), 'ferry-bench-smoke-'));
  // The tests' PostgreSQL and Redis, never the benchmark's defaults (the system ones).
  const opts = parseOptions(
    ['--size', 'tiny', '--out', outDir, '--postgres', PG_URL, '--redis', REDIS_URL],
    process.env,
  ) as BenchOptions;
  results = await runBench(opts, (line) => logLines.push(line));
}, 900_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

function scenario(id: ScenarioId): ScenarioResult {
  const s = results.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`scenario ${id} missing from the results`);
  // A failed scenario fails here with its own errors and the run's log, never silently.
  expect(s.errors, `${id} failed:\n${logLines.join('\n')}`).toEqual([]);
  expect(s.status).toBe('ok');
  return s;
}

const positive = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n > 0;

function expectRelaySeries(s: RelaySeries | null, nodes: number): void {
  expect(s).not.toBeNull();
  expect(s!.nodes).toBe(nodes);
  expect(s!.steps.length).toBeGreaterThan(0);
  for (const step of s!.steps) {
    expect(step.delivered).toBe(step.expectedDeliveries);
    expect(step.ackFailed).toBe(0);
    for (const v of [
      step.deliveredPerSec,
      step.latency.p50,
      step.latency.p95,
      step.latency.p99,
      step.ackLatency.p50,
    ])
      expect(positive(v), JSON.stringify(step)).toBe(true);
    expect(step.latency.p50).toBeLessThanOrEqual(step.latency.p99);
  }
  expect(positive(s!.peakDeliveredPerSec)).toBe(true);
  // Capacity is the highest offered rate before the first saturated step (0 if that was the first).
  const firstSaturated = s!.steps.findIndex((x) => x.saturated);
  expect(s!.saturated).toBe(firstSaturated >= 0);
  expect(s!.maxSustainedPerSec).toBe(
    firstSaturated === 0
      ? 0
      : s!.steps[(firstSaturated < 0 ? s!.steps.length : firstSaturated) - 1].offeredPerSec,
  );
  for (const step of s!.steps) expect(Number.isFinite(step.loadCpu), JSON.stringify(step)).toBe(true);
}

/** A latency probe's summary: some operations timed, percentiles in order. */
function expectProbe(p: LatencySummary | null | undefined): void {
  expect(p?.n).toBeGreaterThan(0);
  expect(positive(p!.p50)).toBe(true);
  expect(p!.p50).toBeLessThanOrEqual(p!.p99);
}

describe('npm run bench at the tiny size', () => {
  it('runs every scenario in order and reports each one', () => {
    expect(results.scenarios.map((s) => s.id)).toEqual([...SCENARIO_IDS]);
    expect(results.meta.size).toBe('tiny');
  });

  it('measures relay deliveries and latency for Ferry and the baseline, with ratios', () => {
    const s = scenario('relay');
    const data = s.data as {
      ferry: RelaySeries | null;
      baseline: RelaySeries | null;
      fdatasync: LatencySummary | null;
    };
    expectRelaySeries(data.ferry, 1);
    expectRelaySeries(data.baseline, 1);
    const peak = s.rows.find((r) => r.metric === 'peak deliveries/s');
    expect(positive(peak?.ratio)).toBe(true);
    expectProbe(data.fdatasync);
  });

  it('counts acknowledged durable sends per second and per server CPU-second on both sides', () => {
    const data = scenario('durable').data as { ferry: DurableResult | null; baseline: DurableResult | null };
    for (const d of [data.ferry, data.baseline]) {
      expect(d).not.toBeNull();
      expect(d!.ackFailed).toBe(0);
      for (const v of [d!.acked, d!.acksPerSec, d!.acksPerCpuSecond, d!.ackLatency.p99])
        expect(positive(v)).toBe(true);
    }
  });

  it('measures server memory at every idle-connection level for both servers', () => {
    const data = scenario('capacity').data as {
      levels: number[];
      ferry: CapacityResult | null;
      baseline: CapacityResult | null;
    };
    for (const c of [data.ferry, data.baseline]) {
      expect(c!.levels.map((l) => l.connections)).toEqual(data.levels);
      expect(positive(c!.baseRss)).toBe(true);
      for (const l of c!.levels) {
        expect(positive(l.rss)).toBe(true);
        // RSS moves in pages: at a few hundred connections the per-connection share may round to 0.
        expect(Number.isFinite(l.rssPerConnection)).toBe(true);
      }
    }
  });

  it('runs the relay on two nodes with PostgreSQL and Redis for both sides', () => {
    const data = scenario('cluster').data as {
      ferry: RelaySeries | null;
      baseline: RelaySeries | null;
      pgCommit: LatencySummary | null;
      redisRtt: LatencySummary | null;
    };
    expectRelaySeries(data.ferry, 2);
    expectRelaySeries(data.baseline, 2);
    expectProbe(data.pgCommit);
    expectProbe(data.redisRtt);
  });

  it('measures the client in Chromium: first-load bytes, render times and a complete replay', () => {
    const r = scenario('client').data as ClientResult;
    for (const v of [
      r.firstLoad.jsGzip,
      r.firstLoad.pageJsGzip,
      r.firstLoad.cssGzip,
      r.firstVisitMs,
      r.replay.replayMs,
      r.replay.totalMs,
      r.replay.serverSequentialMs,
    ])
      expect(positive(v)).toBe(true);
    expect(r.onlineMs.every(positive)).toBe(true);
    expect(r.offlineMs.every(positive)).toBe(true);
    expect(r.assets.some((a) => a.by === 'page' && a.kind === 'js')).toBe(true);
    expect(r.assets.some((a) => a.by === 'shared-worker')).toBe(true);
    // First load is split by when the page asked: every page file must carry that time.
    expect(r.assets.filter((a) => a.by === 'page').every((a) => a.requestedAt !== null)).toBe(true);
    expect(r.afterFirstContent.jsGzip).toBeGreaterThanOrEqual(0);
    expect(r.replay.storedOnServer).toBe(r.replay.queued);
    expect(r.replay.duplicatesOnServer).toBe(0);
  });

  it('runs the relay on a quiet disk and beside a write + fdatasync neighbour, timing its fdatasyncs', () => {
    const data = scenario('noisy-disk').data as NoisyDiskResult;
    expectRelaySeries(data.ferryQuiet, 1);
    expectRelaySeries(data.ferryNoisy, 1);
    expectRelaySeries(data.baselineNoisy, 1);
    for (const step of [...data.ferryQuiet!.steps, ...data.ferryNoisy!.steps, ...data.baselineNoisy!.steps])
      for (const v of [step.loopLag.p50, step.loopLag.p99, step.loopLag.max])
        expect(Number.isFinite(v) && v >= 0, JSON.stringify(step.loopLag)).toBe(true);
    expect(data.noiseWrites).toBeGreaterThan(0);
    expect(data.fdatasync!.n).toBeGreaterThan(0);
    expect(positive(data.fdatasync!.p99)).toBe(true);
  });

  it('builds, saves and queries the device index in Chromium and queries both server stores', () => {
    const data = scenario('search').data as SearchResult;
    const d = data.device!;
    expect(d.indexedDocuments).toBe(d.messages);
    for (const v of [d.messageBytes, d.indexBytes, d.buildMs, d.reloadMs, d.query.p95])
      expect(positive(v)).toBe(true);
    expect(data.servers.map((s) => s.store)).toEqual(['sqlite', 'postgres']);
    for (const s of data.servers) {
      expect(s.messages).toBe(s.target);
      expect(positive(s.query.p95)).toBe(true);
    }
    // The same words are found on the device and on the server (a broken index finds nothing).
    for (const hits of [d.hits, ...data.servers.map((s) => s.hits)])
      for (const q of ['tomorrow', 'tom', '明天', '会議']) expect(hits[q], q).toBeGreaterThan(0);
  });

  it('times Send in one browser to the text in the other, idle and beside relay load', () => {
    const r = scenario('feel').data as FeelResult;
    for (const series of [r.idle, r.loaded]) {
      expect(series.lost).toBe(0);
      expect(series.samples).toBeGreaterThan(0);
      for (const v of [
        series.toOther.p50,
        series.toOther.p99,
        series.ownEcho.p50,
        series.toRelay.p50,
        series.toWrite.p50,
        series.writeToOther.p50,
      ])
        expect(positive(v), JSON.stringify(series)).toBe(true);
    }
    expect(r.loaded.load?.delivered).toBeGreaterThan(0);
  });

  it('uploads through the tus endpoint, and resumes a cut upload without sending it all again', () => {
    const r = scenario('upload').data as UploadResult;
    expect(r.plain.length).toBeGreaterThan(0);
    for (const run of r.plain) {
      expect(run.wireBytes).toBe(r.bytes);
      expect(positive(run.ms)).toBe(true);
    }
    for (const run of r.resumed) {
      expect(run.cutAt).toBeGreaterThan(0);
      // The cut one and the resume together send the file, plus at most one chunk again.
      expect(run.wireBytes).toBeGreaterThanOrEqual(r.bytes);
      expect(run.wireBytes - r.bytes).toBeLessThanOrEqual(r.chunkBytes);
      expect(run.requests.HEAD).toBeGreaterThanOrEqual(2);
    }
  });

  it('opens a big account cold from a filled device, scrolls back through it and measures page memory', () => {
    const r = scenario('big-account').data as BigAccountResult;
    expect(r.deviceMessages).toBe(r.bigMessages - 100);
    expect(r.openMs.length).toBeGreaterThan(0);
    for (const v of [
      ...r.openMs,
      r.scroll.ms,
      r.scroll.maxFrameMs,
      r.memory.heapPeakMb,
      r.memory.heapAfterGcMb,
    ])
      expect(positive(v)).toBe(true);
    // Every milestone was shown: the list really scrolled back that far.
    expect(r.scroll.messagesScrolled).toBe(r.scroll.target);
    expect(r.scroll.frames).toBeGreaterThan(0);
    expect(r.memory.heapPeakMb).toBeGreaterThanOrEqual(r.memory.heapAfterOpenMb);
  });

  it('catches a device up after a long offline spell, with unread counts right, and times the server CPU', () => {
    const r = scenario('long-offline').data as LongOfflineResult;
    expect(r.unreadTotal).toBeGreaterThanOrEqual(r.sentWhileOffline);
    for (const v of [r.catchUpMs, r.syncedMs, r.serverCpuMs, r.sendMs]) expect(positive(v)).toBe(true);
    expect(r.syncedMs).toBeLessThanOrEqual(r.catchUpMs);
    expect(r.connections).toBeGreaterThan(0);
  });

  it('profiles both servers under relay load and ranks their functions by self time', () => {
    const data = scenario('profile').data as ProfileResult;
    for (const side of [data.ferry, data.baseline]) {
      expectRelaySeries(side.series, 1);
      const p = side.profile!;
      expect(positive(p.busyMs)).toBe(true);
      expect(p.busyMs).toBeLessThanOrEqual(p.totalMs);
      expect(p.hotSpots.length).toBeGreaterThan(0);
      expect(p.areas.length).toBeGreaterThan(0);
      for (const h of p.hotSpots) expect(h.share > 0 && h.share <= 1, JSON.stringify(h)).toBe(true);
    }
  });

  it('gives every table row finite numbers and every goal a judged or explained result', () => {
    for (const s of results.scenarios) {
      expect(s.rows.length, s.id).toBeGreaterThan(0);
      for (const row of s.rows) {
        expect(Number.isFinite(row.ferry), `${s.id} ${row.metric}`).toBe(true);
        if (row.baseline !== null) expect(Number.isFinite(row.baseline), `${s.id} ${row.metric}`).toBe(true);
      }
    }
    expect(results.goals.map((g) => g.id).sort()).toEqual(
      [
        'capacity-memory',
        'client-js',
        'client-offline',
        'client-replay',
        'feel-idle-p50',
        'feel-idle-p99',
        'feel-load-p50',
        'feel-load-p99',
        'upload-resume',
        'cluster-p99',
        'cluster-p99-over-commit',
        'cluster-throughput',
        'noisy-disk-loop-lag',
        'noisy-disk-p99',
        'noisy-disk-throughput',
        'relay-p99',
        'relay-p99-over-fdatasync',
        'relay-throughput',
        'search-device-build',
        'search-device-query',
        'search-device-size',
        'search-postgres-query',
        'search-sqlite-query',
        'big-account-open',
        'big-account-scroll',
        'big-account-memory',
        'long-offline-catch-up',
      ].sort(),
    );
    for (const g of results.goals) {
      expect(Number.isFinite(g.actual), g.id).toBe(true);
      if (g.pass === null) expect(g.note, g.id).toBeTruthy();
    }
  });

  it('lists every goal of the runs in a results folder in one table', () => {
    expect(writeAllGoals(outDir)).toBe(results.goals.length);
    const md = readFileSync(path.join(outDir, ALL_GOALS_FILE), 'utf8');
    for (const g of results.goals) expect(md).toContain(`| ${g.label} | ${g.target} |`);
  });

  it('writes the results as JSON, Markdown and an SVG chart', () => {
    const json = JSON.parse(readFileSync(path.join(outDir, RESULT_FILES.json), 'utf8')) as BenchResults;
    expect(json.scenarios.map((s) => s.id)).toEqual(results.scenarios.map((s) => s.id));
    const md = readFileSync(path.join(outDir, RESULT_FILES.markdown), 'utf8');
    expect(md).toContain('# Ferry benchmark results');
    expect(md).toContain(`](${RESULT_FILES.chart})`);
    for (const s of results.scenarios) expect(md).toContain(`## ${s.title}`);
    const svg = readFileSync(path.join(outDir, RESULT_FILES.chart), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect((svg.match(/<rect /g) ?? []).length).toBeGreaterThan(10);
  });
});
