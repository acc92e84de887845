/** The browser scenarios at the tiny size: first load and replay, Send-to-visible, uploads. */
import { describe, expect, it } from 'vitest';
import type { ClientResult } from '../../bench/scenarios/client';
import type { FeelResult } from '../../bench/scenarios/feel';
import type { UploadResult } from '../../bench/scenarios/upload';
import { sizeParams } from '../../bench/sizes';
import { SMOKE_GROUPS, itReportsTheRun, positive, tinyRun } from './support/tinyBench';

const run = tinyRun(SMOKE_GROUPS.client);

describe('npm run bench at the tiny size: the client in Chromium', () => {
  it('measures the client in Chromium: first-load bytes, render times and a complete replay', () => {
    const r = run.scenario('client').data as ClientResult;
    for (const v of [
      r.firstLoad.jsGzip,
      r.firstLoad.pageJsGzip,
      r.firstLoad.cssGzip,
      r.firstVisitMs,
      r.replay.replayMs,
      r.replay.serverSequentialMs,
    ])
      expect(positive(v), JSON.stringify({ firstVisitMs: r.firstVisitMs, replay: r.replay })).toBe(true);
    expect(r.onlineMs.every(positive)).toBe(true);
    expect(r.offlineMs.every(positive)).toBe(true);
    expect(r.assets.some((a) => a.by === 'page' && a.kind === 'js')).toBe(true);
    expect(r.assets.some((a) => a.by === 'shared-worker')).toBe(true);
    // First load is split by when the page asked: every page file must carry that time.
    expect(r.assets.filter((a) => a.by === 'page').every((a) => a.requestedAt !== null)).toBe(true);
    expect(r.afterFirstContent.jsGzip).toBeGreaterThanOrEqual(0);
    // Timed from the reconnect, after the app, reopened offline, counted every queued entry.
    expect(r.replay.firstAckMs).toBeGreaterThanOrEqual(0);
    expect(r.replay.firstAckMs).toBeLessThanOrEqual(r.replay.replayMs);
    expect(r.replay.reconnectMs).toBeGreaterThanOrEqual(0);
    expect(r.replay.storedOnServer).toBe(r.replay.queued);
    expect(r.replay.duplicatesOnServer).toBe(0);
  });

  it('times Send in one browser to the text in the other, idle and beside relay load', () => {
    const r = run.scenario('feel').data as FeelResult;
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
    // Every sample under load: the load runs until they are taken, then stops, well before its limit.
    expect(r.loaded.samples).toBe(sizeParams('tiny').feel.samples);
    expect(r.loaded.load!.lastSendMs).toBeLessThan(r.loaded.loadLimitMs * 0.75);
  });

  it('uploads through the tus endpoint, and resumes a cut upload without sending it all again', () => {
    const r = run.scenario('upload').data as UploadResult;
    expect(r.plain.length).toBeGreaterThan(0);
    for (const item of r.plain) {
      expect(item.wireBytes).toBe(r.bytes);
      expect(positive(item.ms)).toBe(true);
    }
    for (const item of r.resumed) {
      expect(item.cutAt).toBeGreaterThan(0);
      // The cut one and the resume together send the file, plus at most one chunk again.
      expect(item.wireBytes).toBeGreaterThanOrEqual(r.bytes);
      expect(item.wireBytes - r.bytes).toBeLessThanOrEqual(r.chunkBytes);
      expect(item.requests.HEAD).toBeGreaterThanOrEqual(2);
    }
  });

  itReportsTheRun(run);
});
