import type { Payload } from './payload.ts';
import { LatencyHistogram } from './stats.ts';

/**
 * What the sink of every scenario does with a record: counts it, checks it arrives once and
 * transformed by every stage, and records its end-to-end latency (source stamp to now).
 */
export class Meter {
  readonly latency = new LatencyHistogram();
  /** `performance.now()` of the last record seen. */
  lastAt = 0;
  count = 0;
  duplicates = 0;
  wrong = 0;
  private readonly seen: Uint8Array;

  constructor(
    readonly total: number,
    /** The `v` every record must carry at the sink: the number of transforms. */
    readonly expectedV: number,
  ) {
    this.seen = new Uint8Array(total);
  }

  /** Observes one record at the sink. */
  observe(p: Payload): void {
    const now = performance.now();
    this.latency.record(now - p.t);
    this.lastAt = now;
    this.count++;
    if (this.seen[p.id] === 1) this.duplicates++;
    this.seen[p.id] = 1;
    if (p.v !== this.expectedV) this.wrong++;
  }

  /** Throws unless every record arrived exactly once, transformed by every stage. */
  check(): void {
    if (this.count !== this.total || this.duplicates > 0 || this.wrong > 0) {
      throw new Error(
        `sink saw ${String(this.count)} of ${String(this.total)} records ` +
          `(${String(this.duplicates)} duplicates, ${String(this.wrong)} not fully transformed)`,
      );
    }
  }
}
