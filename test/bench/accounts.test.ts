/** The data-heavy scenarios at the tiny size: search, a big account, a long offline spell. */
import { describe, expect, it } from 'vitest';
import type { BigAccountResult } from '../../bench/scenarios/bigAccount';
import type { LongOfflineResult } from '../../bench/scenarios/longOffline';
import type { SearchResult } from '../../bench/scenarios/search';
import { SMOKE_GROUPS, itReportsTheRun, positive, tinyRun } from './support/tinyBench';

const run = tinyRun(SMOKE_GROUPS.accounts);

describe('npm run bench at the tiny size: search and big accounts', () => {
  it('builds, saves and queries the device index in Chromium and queries both server stores', () => {
    const data = run.scenario('search').data as SearchResult;
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
  it('opens a big account cold from a filled device, scrolls back through it and measures page memory', () => {
    const r = run.scenario('big-account').data as BigAccountResult;
    expect(r.deviceMessages).toBe(r.bigMessages - 100);
    const { smallAccount, blankPage, blankPageWithCoop } = r.reference;
    for (const opens of [r.opens, smallAccount, blankPage, blankPageWithCoop]) {
      expect(opens.shownMs.length).toBeGreaterThan(0);
      // Each open's frame (Element Timing) was presented after its newest message entered the DOM.
      opens.shownMs.forEach((shown, i) => expect(shown).toBeGreaterThan(opens.inDomMs[i]!));
      for (const v of [...opens.shownMs, ...opens.nextTaskMs]) expect(positive(v)).toBe(true);
    }
    // The blank page's line was timed by Element Timing itself, not by the task after its frame.
    expect(blankPage.withoutElementTiming).toBe(0);
    // The opener policy the reference carries is the app's own.
    expect(r.coop).toBe('same-origin');
    for (const v of [r.scroll.ms, r.scroll.maxFrameMs, r.memory.heapPeakMb, r.memory.heapAfterGcMb])
      expect(positive(v)).toBe(true);
    // Every milestone was shown: the list really scrolled back that far.
    expect(r.scroll.messagesScrolled).toBe(r.scroll.target);
    expect(r.scroll.frames).toBeGreaterThan(0);
    expect(r.memory.heapPeakMb).toBeGreaterThanOrEqual(r.memory.heapAfterOpenMb);
  });
  it('catches a device up after a long offline spell, with unread counts right, and times the server CPU', () => {
    const r = run.scenario('long-offline').data as LongOfflineResult;
    expect(r.unreadTotal).toBeGreaterThanOrEqual(r.sentWhileOffline);
    for (const v of [r.catchUpMs, r.syncedMs, r.serverCpuMs, r.sendMs]) expect(positive(v)).toBe(true);
    expect(r.syncedMs).toBeLessThanOrEqual(r.catchUpMs);
    expect(r.connections).toBeGreaterThan(0);
  });

  itReportsTheRun(run);
});
