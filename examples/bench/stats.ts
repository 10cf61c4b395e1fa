/** Sub-buckets per power of two: 128 keeps every bucket within 0.8 % of its values. */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
const BUCKETS = 25 * SUB;

/**
 * A log-linear latency histogram in microseconds (HdrHistogram's layout, small): one counter
 * per bucket, so recording a million latencies allocates nothing.
 */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  maxMs = 0;

  /** Adds one latency in ms. */
  record(ms: number): void {
    const us = Math.min(0x7fffffff, Math.max(0, Math.round(ms * 1000)));
    const index = indexOf(us);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** The latency in ms at or below which `q` (0..1) of the recorded ones are. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.maxMs, upperOf(i) / 1000);
    }
    return this.maxMs;
  }
}

function indexOf(us: number): number {
  if (us < 2 * SUB) return us;
  const shift = 31 - Math.clz32(us) - SUB_BITS;
  return shift * SUB + (us >>> shift);
}

function upperOf(index: number): number {
  if (index < 2 * SUB) return index;
  const shift = Math.floor(index / SUB) - 1;
  const mantissa = index - shift * SUB;
  return ((mantissa + 1) << shift) - 1;
}

/** Median and spread of one figure over repetitions. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Half the range, relative to the median (0.05 = ±5 %). */
  readonly relative: number;
  readonly values: readonly number[];
}

/** The median, range and relative half-range of `values` (at least one). */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  const min = sorted[0] ?? 0;
  const max = sorted[n - 1] ?? 0;
  return { median, min, max, relative: median === 0 ? 0 : (max - min) / 2 / median, values };
}
