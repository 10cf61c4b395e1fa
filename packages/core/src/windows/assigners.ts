/**
 * Window assigners: which event-time windows a record belongs to. Windows are aligned to the
 * epoch and half-open, `[start, end)` in ms, as in Flink and Beam.
 */

/** Fixed-size windows that do not overlap: each record belongs to exactly one. */
export interface TumblingWindows {
  readonly type: 'tumbling';
  readonly sizeMs: number;
}

/** Fixed-size windows that start every `slideMs` (hopping): a record belongs to about `sizeMs / slideMs` of them. */
export interface SlidingWindows {
  readonly type: 'sliding';
  readonly sizeMs: number;
  readonly slideMs: number;
}

/**
 * Per-key windows of activity: a record at `t` opens `[t, t + gapMs)`, and sessions of one key
 * that overlap or touch merge into one (Flink's rule), their aggregates merged.
 */
export interface SessionWindows {
  readonly type: 'session';
  readonly gapMs: number;
}

/** How a window stage assigns records to windows: `tumbling`, `sliding` or `session`. */
export type WindowAssigner = TumblingWindows | SlidingWindows | SessionWindows;

/** One window's bounds, `[start, end)` in epoch ms. */
export interface WindowSpan {
  readonly start: number;
  readonly end: number;
}

/** Throws RangeError unless `ms` is a positive whole number of ms. */
function positive(what: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new RangeError(`${what} must be a positive whole number of ms, got ${String(ms)}`);
  return ms;
}

/** Tumbling windows of `sizeMs` (e.g. `tumbling(10_000)`: [0, 10 s), [10 s, 20 s), …). */
export function tumbling(sizeMs: number): TumblingWindows {
  return { type: 'tumbling', sizeMs: positive('tumbling size', sizeMs) };
}

/**
 * Sliding (hopping) windows of `sizeMs` starting every `slideMs`; `slideMs` may not exceed
 * `sizeMs` (a record in the gap between two windows would fall in none, silently dropped).
 */
export function sliding(sizeMs: number, slideMs: number): SlidingWindows {
  positive('sliding size', sizeMs);
  positive('sliding slide', slideMs);
  if (slideMs > sizeMs) throw new RangeError(`sliding slide (${String(slideMs)} ms) must not exceed its size (${String(sizeMs)} ms)`);
  return { type: 'sliding', sizeMs, slideMs };
}

/** Session windows that close after `gapMs` without a record of the key. */
export function session(gapMs: number): SessionWindows {
  return { type: 'session', gapMs: positive('session gap', gapMs) };
}

/**
 * The windows a record at `time` (whole ms) belongs to, oldest start first: one for tumbling,
 * those whose start is in `(time - size, time]` for sliding, `[time, time + gap)` for a
 * session before it merges.
 */
export function windowsOf(assigner: WindowAssigner, time: number): readonly WindowSpan[] {
  switch (assigner.type) {
    case 'tumbling': {
      const start = time - mod(time, assigner.sizeMs);
      return [{ start, end: start + assigner.sizeMs }];
    }
    case 'sliding': {
      const spans: WindowSpan[] = [];
      const last = time - mod(time, assigner.slideMs);
      for (let start = last; start > time - assigner.sizeMs; start -= assigner.slideMs) {
        spans.unshift({ start, end: start + assigner.sizeMs });
      }
      return spans;
    }
    case 'session':
      return [{ start: time, end: time + assigner.gapMs }];
  }
}

/** `n mod m` that is never negative. */
const mod = (n: number, m: number): number => ((n % m) + m) % m;
