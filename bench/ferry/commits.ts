/**
 * Ferry's own commit figures from its /metrics (the store's onCommit histograms), read around each
 * relay step: how long its durable commits took and how many messages each held, so a step's
 * latency over the baseline's can be split into the commit's share and the rest.
 */
import { HttpPath } from '../../contract/index.js';

/** The METRICS_TOKEN the bench gives Ferry's nodes (loopback only). */
export const BENCH_METRICS_TOKEN = 'ferry-bench-metrics';

/** Cumulative counts of one node's commit histograms at one moment. */
export interface CommitCounts {
  /** Upper bound in ms -> commits at or under it (cumulative, as Prometheus buckets are). */
  buckets: Map<number, number>;
  commits: number;
  messages: number;
}

/** The commits of one step, over every node. */
export interface CommitWindow {
  commits: number;
  /** Mean messages per commit transaction. */
  messagesPerCommit: number;
  /** The histogram bucket bound (ms) holding the median and the 99th percentile; null past the last. */
  p50UpToMs: number | null;
  p99UpToMs: number | null;
}

const BUCKET = /^ferry_commit_seconds_bucket\{le="([^"]+)"\} (\S+)$/;
const SAMPLE = /^(ferry_commit_seconds_count|ferry_commit_batch_messages_sum) (\S+)$/;

/** Reads one node's commit histograms. */
export async function readCommitCounts(baseUrl: string): Promise<CommitCounts> {
  const res = await fetch(new URL(HttpPath.metrics, baseUrl), {
    headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` },
  });
  if (!res.ok) throw new Error(`${HttpPath.metrics}: HTTP ${res.status}`);
  const counts: CommitCounts = { buckets: new Map(), commits: 0, messages: 0 };
  for (const line of (await res.text()).split('\n')) {
    const bucket = BUCKET.exec(line);
    if (bucket) {
      counts.buckets.set(bucket[1] === '+Inf' ? Infinity : Number(bucket[1]) * 1000, Number(bucket[2]));
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (sample?.[1] === 'ferry_commit_seconds_count') counts.commits = Number(sample[2]);
    else if (sample) counts.messages = Number(sample[2]);
  }
  return counts;
}

/** What the nodes committed between two readings (one per node, same order). */
export function commitWindow(before: readonly CommitCounts[], after: readonly CommitCounts[]): CommitWindow {
  const delta = new Map<number, number>();
  let commits = 0;
  let messages = 0;
  after.forEach((a, i) => {
    const b = before[i]!;
    commits += a.commits - b.commits;
    messages += a.messages - b.messages;
    for (const [le, n] of a.buckets) delta.set(le, (delta.get(le) ?? 0) + n - (b.buckets.get(le) ?? 0));
  });
  const bounds = [...delta.keys()].sort((x, y) => x - y);
  const upTo = (share: number): number | null => {
    if (commits === 0) return null;
    const le = bounds.find((bound) => delta.get(bound)! >= share * commits);
    return le === undefined || le === Infinity ? null : le;
  };
  return {
    commits,
    messagesPerCommit: commits > 0 ? Math.round((messages / commits) * 10) / 10 : 0,
    p50UpToMs: upTo(0.5),
    p99UpToMs: upTo(0.99),
  };
}
