import { makePayload, type Payload } from './payload.ts';

/**
 * Produces a scenario's records: all at once (`rate` undefined, full speed) or at a fixed
 * offered rate, handing out only the records due by now. A paced record is stamped with the
 * time it was due, not the time it was taken, so a source that falls behind shows in the
 * latency (no coordinated omission).
 */
export class Pacer {
  /** Records handed out so far. */
  produced = 0;
  /** `performance.now()` of the first `take`, the start of the measured window. */
  startedAt: number | undefined;

  constructor(
    readonly total: number,
    readonly rate: number | undefined,
  ) {}

  /** True once every record was handed out. */
  get done(): boolean {
    return this.produced >= this.total;
  }

  /** Up to `max` records due now (possibly none). */
  take(max: number): Payload[] {
    const now = performance.now();
    this.startedAt ??= now;
    const due = this.rate === undefined ? this.total : this.dueBy(now);
    const n = Math.min(max, due - this.produced);
    const out: Payload[] = [];
    for (let i = 0; i < n; i++) {
      const id = this.produced + i;
      const t = this.rate === undefined ? now : this.startedAt + (id * 1000) / this.rate;
      out.push(makePayload(id, t));
    }
    this.produced += Math.max(0, n);
    return out;
  }

  /** Ms until the next record is due (0 when one is due or at full speed). */
  msUntilNext(): number {
    if (this.rate === undefined || this.startedAt === undefined) return 0;
    const dueAt = this.startedAt + (this.produced * 1000) / this.rate;
    return Math.max(0, dueAt - performance.now());
  }

  private dueBy(now: number): number {
    const start = this.startedAt ?? now;
    return Math.min(this.total, Math.floor(((now - start) * (this.rate ?? 0)) / 1000) + 1);
  }
}
