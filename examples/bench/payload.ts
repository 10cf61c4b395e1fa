/** The record every scenario moves: about 200 bytes as JSON, stamped at the source. */
export interface Payload {
  readonly id: number;
  /** Source stamp: `performance.now()` when the record was due (paced) or produced. */
  readonly t: number;
  /** Incremented by each transform, so the work cannot be optimized away. */
  readonly v: number;
  readonly body: string;
}

/** One shared body string: the bytes are encoded per record, the string is not rebuilt. */
const BODY = 'sluice-bench-'.repeat(13).slice(0, 155);

/** The record with `id`, stamped `t`. */
export function makePayload(id: number, t: number): Payload {
  return { id, t, v: 0, body: BODY };
}

/** The transform of every scenario: a new object with `v` incremented. */
export function step(p: Payload): Payload {
  return { id: p.id, t: p.t, v: p.v + 1, body: p.body };
}

/** JSON size of a typical record, for the report. */
export function payloadBytes(): number {
  return JSON.stringify(makePayload(1_000_000, 123_456.789)).length;
}
