/**
 * Ferry's own store figures from its /metrics, read around each relay step: how long its durable
 * commits took and how many messages each held, and how long the writer spent on the work it does
 * between commits (WAL checkpoints, search indexing), during which an arriving batch waits. So a
 * step's latency over the baseline's can be split into the store's share and the rest.
 */
import { HttpPath } from '../../contract/index.js';

/** The METRICS_TOKEN the bench gives Ferry's nodes (loopback only). */
export const BENCH_METRICS_TOKEN = 'ferry-bench-metrics';

/** The histograms read: the commit transactions, and the writer's work between them. */
const HISTOGRAMS = {
  commit: 'ferry_commit_seconds',
  checkpoint: 'ferry_checkpoint_seconds',
  searchIndex: 'ferry_search_index_seconds',
} as const;
type HistogramName = keyof typeof HISTOGRAMS;
/** Metric name -> which histogram it is. */
const BY_METRIC = new Map<string, HistogramName>(
  Object.entries(HISTOGRAMS).map(([key, metric]) => [metric, key as HistogramName]),
);

/** One histogram's cumulative state at one moment. */
interface HistogramCounts {
  /** Upper bound in ms -> observations at or under it (cumulative, as Prometheus buckets are). */
  buckets: Map<number, number>;
  count: number;
  /** Sum of the observations, ms. */
  sumMs: number;
}

/** Cumulative counts of one node's store histograms at one moment. */
export interface CommitCounts {
  histograms: Record<HistogramName, HistogramCounts>;
  messages: number;
}

/** Runs of one kind of store work in a step: how many, where their 99th percentile falls, their total time. */
export interface WorkWindow {
  runs: number;
  /** The histogram bucket bound (ms) holding the 99th percentile; null past the last or with no runs. */
  p99UpToMs: number | null;
  /** All runs' time together, ms. */
  totalMs: number;
}

/** The commits of one step, over every node. */
export interface CommitWindow {
  commits: number;
  /** Mean messages per commit transaction. */
  messagesPerCommit: number;
  /** The histogram bucket bound (ms) holding the median and the 99th percentile; null past the last. */
  p50UpToMs: number | null;
  p99UpToMs: number | null;
  /** WAL checkpoints the writer ran between commits (SQLite; none on PostgreSQL). */
  checkpoints: WorkWindow;
  /** Search indexing the writer ran between commits (SQLite; none on PostgreSQL). */
  searchIndexing: WorkWindow;
}

const emptyCounts = (): HistogramCounts => ({ buckets: new Map(), count: 0, sumMs: 0 });
const LINE = /^(ferry_[a-z_]+?)(_bucket\{le="([^"]+)"\}|_count|_sum) (\S+)$/;
const BATCH_SUM = /^ferry_commit_batch_messages_sum (\S+)$/;

/** Reads one node's store histograms. */
export async function readCommitCounts(baseUrl: string): Promise<CommitCounts> {
  const res = await fetch(new URL(HttpPath.metrics, baseUrl), {
    headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` },
  });
  if (!res.ok) throw new Error(`${HttpPath.metrics}: HTTP ${res.status}`);
  const counts: CommitCounts = {
    histograms: { commit: emptyCounts(), checkpoint: emptyCounts(), searchIndex: emptyCounts() },
    messages: 0,
  };
  for (const line of (await res.text()).split('\n')) {
    const batch = BATCH_SUM.exec(line);
    if (batch) {
      counts.messages = Number(batch[1]);
      continue;
    }
    const match = LINE.exec(line);
    const key = match && BY_METRIC.get(match[1]!);
    if (!match || !key) continue;
    const h = counts.histograms[key];
    const value = Number(match[4]);
    if (match[3] !== undefined)
      h.buckets.set(match[3] === '+Inf' ? Infinity : Number(match[3]) * 1000, value);
    else if (match[2] === '_count') h.count = value;
    else h.sumMs = value * 1000;
  }
  return counts;
}

/** One histogram's observations between two readings, over every node. */
function histogramWindow(
  before: readonly CommitCounts[],
  after: readonly CommitCounts[],
  name: HistogramName,
) {
  const delta = new Map<number, number>();
  let count = 0;
  let sumMs = 0;
  after.forEach((a, i) => {
    const h = a.histograms[name];
    const b = before[i]!.histograms[name];
    count += h.count - b.count;
    sumMs += h.sumMs - b.sumMs;
    for (const [le, n] of h.buckets) delta.set(le, (delta.get(le) ?? 0) + n - (b.buckets.get(le) ?? 0));
  });
  const bounds = [...delta.keys()].sort((x, y) => x - y);
  const upTo = (share: number): number | null => {
    if (count === 0) return null;
    const le = bounds.find((bound) => delta.get(bound)! >= share * count);
    return le === undefined || le === Infinity ? null : le;
  };
  return { count, sumMs, upTo };
}

/** What the nodes committed between two readings (one per node, same order). */
export function commitWindow(before: readonly CommitCounts[], after: readonly CommitCounts[]): CommitWindow {
  const commit = histogramWindow(before, after, 'commit');
  const messages = after.reduce((a, x, i) => a + x.messages - before[i]!.messages, 0);
  const work = (name: HistogramName): WorkWindow => {
    const w = histogramWindow(before, after, name);
    return { runs: w.count, p99UpToMs: w.upTo(0.99), totalMs: Math.round(w.sumMs * 10) / 10 };
  };
  return {
    commits: commit.count,
    messagesPerCommit: commit.count > 0 ? Math.round((messages / commit.count) * 10) / 10 : 0,
    p50UpToMs: commit.upTo(0.5),
    p99UpToMs: commit.upTo(0.99),
    checkpoints: work('checkpoint'),
    searchIndexing: work('searchIndex'),
  };
}
