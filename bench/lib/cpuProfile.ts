/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and ranks functions by self time: the
 * time the sampler found the function itself on top of the stack, not its callees.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfileJson {
  nodes: ProfileNode[];
  /** µs on the system's monotonic clock (CLOCK_MONOTONIC on Linux, as process.hrtime). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stretch of time on the monotonic clock, µs (as `process.hrtime.bigint() / 1000n`). */
export interface TimeWindow {
  fromUs: number;
  toUs: number;
}

export interface HotSpot {
  /** Function name (or V8's pseudo-frames such as "(garbage collector)"). */
  name: string;
  /** file:line, relative to the repository when inside it. */
  location: string;
  selfMs: number;
  /** Share of the busy (non-idle) samples, 0..1. */
  share: number;
}

export interface ProfileSummary {
  /** Sampled wall time, ms. */
  totalMs: number;
  /** Sampled time the thread was not idle, ms. */
  busyMs: number;
  hotSpots: HotSpot[];
  /** Self time by where the code lives (a package, a folder of the repository, node, native). */
  areas: Array<{ area: string; selfMs: number; share: number }>;
}

/** The area a frame belongs to: a package, a folder of the repository, node's own code, or V8. */
function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (!file.startsWith(REPO_ROOT)) return file;
  const parts = path.relative(REPO_ROOT, file).split(path.sep);
  return parts.slice(0, Math.min(2, parts.length - 1)).join('/') || parts[0];
}

/** Where a frame's code lives, shortened: repository-relative, or the package inside node_modules. */
function shortLocation(url: string, line: number): string {
  if (!url) return '';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const nm = file.lastIndexOf('/node_modules/');
  const shown =
    nm >= 0
      ? file.slice(nm + '/node_modules/'.length)
      : file.startsWith(REPO_ROOT)
        ? path.relative(REPO_ROOT, file)
        : file;
  return `${shown}:${line + 1}`;
}

/**
 * The `top` functions by self time in the profile at `file`; only samples inside `window` when
 * given (e.g. one load step, without start-up and set-up).
 */
export function summarizeCpuProfile(file: string, top = 15, window?: TimeWindow): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfileJson;
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; location: string; us: number }>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the time since the previous sample: it belongs to this sample's frame.
    const us = Math.max(0, profile.timeDeltas[i] ?? 0);
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    totalUs += us;
    const frame = byNode.get(id)?.callFrame;
    if (!frame) return;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      return;
    }
    const location = shortLocation(frame.url, frame.lineNumber);
    const name = frame.functionName || '(anonymous)';
    const area = areaOf(frame.url, name);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const key = `${name} ${location}`;
    const entry = self.get(key) ?? { name, location, us: 0 };
    entry.us += us;
    self.set(key, entry);
  });
  const busyUs = totalUs - idleUs;
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const shareOf = (us: number) => (busyUs > 0 ? Math.round((us / busyUs) * 1000) / 1000 : 0);
  const hotSpots = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({
      name: e.name,
      location: e.location,
      selfMs: r1(e.us / 1000),
      share: shareOf(e.us),
    }));
  return {
    totalMs: r1(totalUs / 1000),
    busyMs: r1(busyUs / 1000),
    hotSpots,
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([area, us]) => ({ area, selfMs: r1(us / 1000), share: shareOf(us) })),
  };
}
