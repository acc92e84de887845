/**
 * A log-bucketed latency histogram (1% wide buckets from 10 µs to about 10 minutes): cheap to
 * record in a hot loop, small to send between processes, and mergeable, so load workers can
 * each keep one and the parent can compute percentiles over all of them.
 */
const MIN_MS = 0.01;
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(600_000 / MIN_MS) / LOG_GROWTH) + 1;

/** Serializable form: sparse bucket counts plus exact extremes. */
export interface HistogramData {
  counts: Record<number, number>;
  n: number;
  min: number;
  max: number;
  sum: number;
}

export class Histogram {
  private counts = new Map<number, number>();
  n = 0;
  min = Infinity;
  max = 0;
  sum = 0;

  /** Records one value in milliseconds. */
  record(ms: number): void {
    const v = ms < MIN_MS ? MIN_MS : ms;
    const i = Math.min(BUCKETS - 1, Math.floor(Math.log(v / MIN_MS) / LOG_GROWTH));
    this.counts.set(i, (this.counts.get(i) ?? 0) + 1);
    this.n++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** Adds another histogram's values to this one. */
  merge(other: HistogramData): this {
    for (const [k, c] of Object.entries(other.counts)) {
      const i = Number(k);
      this.counts.set(i, (this.counts.get(i) ?? 0) + c);
    }
    this.n += other.n;
    this.sum += other.sum;
    if (other.n > 0) {
      this.min = Math.min(this.min, other.min);
      this.max = Math.max(this.max, other.max);
    }
    return this;
  }

  /** The value below which `p` percent of the values fall (bucket midpoint, clamped to min/max). */
  percentile(p: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.n);
    let seen = 0;
    for (const i of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(i) ?? 0;
      if (seen >= rank) {
        const mid = MIN_MS * Math.pow(GROWTH, i + 0.5);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  toJSON(): HistogramData {
    return {
      counts: Object.fromEntries(this.counts),
      n: this.n,
      min: this.min,
      max: this.max,
      sum: this.sum,
    };
  }

  /** Builds a histogram from serialized parts (e.g. one per worker). */
  static from(...parts: HistogramData[]): Histogram {
    const h = new Histogram();
    for (const p of parts) h.merge(p);
    return h;
  }
}

/** p50/p95/p99 summary in ms, rounded to 0.01 ms. */
export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Summarises a histogram for reports. */
export function summarize(h: Histogram): LatencySummary {
  const r = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : x);
  return {
    n: h.n,
    p50: r(h.percentile(50)),
    p95: r(h.percentile(95)),
    p99: r(h.percentile(99)),
    max: r(h.max),
  };
}
