import type { JournalRecord, JournalStore, RecordKind } from '@sluice/core';

/** Records per chunk of the index: a moment is one binary search and at most one chunk read. */
const CHUNK = 256;
/** Chunks kept decoded per journal: moments close together (a slider dragged, a chart's series) read the same ones. */
const CACHED_CHUNKS = 4;

/** What a journal holds up to a moment: its last seq, records by kind, and how far it read each upstream. */
export interface JournalPrefix {
  /** The last seq written by then (0: none). */
  readonly seq: number;
  readonly counts: Readonly<Record<RecordKind, number>>;
  /** Inputs a sink delivered (its receipts' counts). */
  readonly delivered: number;
  /** Per upstream stage, the highest upstream seq this journal's records name (a cause, a receipt's `to`). */
  readonly read: Readonly<Record<string, number>>;
  /** The latest record time (`at`) folded in. */
  readonly maxAt: number;
  /** Data records by route port (`""` for a record with none): what a consumer of one port reads. */
  readonly dataByPort: Readonly<Record<string, number>>;
}

interface MutablePrefix {
  seq: number;
  counts: Record<RecordKind, number>;
  dataByPort: Record<string, number>;
  delivered: number;
  read: Record<string, number>;
  maxAt: number;
}

const empty = (): MutablePrefix => ({ seq: 0, counts: { data: 0, error: 0, eof: 0, control: 0 }, dataByPort: {}, delivered: 0, read: {}, maxAt: -Infinity });
const copy = (p: JournalPrefix): MutablePrefix => ({ ...p, counts: { ...p.counts }, dataByPort: { ...p.dataByPort }, read: { ...p.read } });

/** Data records of a prefix that a consumer of `port` reads (every one when it reads the whole journal). */
export function dataFor(prefix: JournalPrefix, port: number | undefined): number {
  return port === undefined ? prefix.counts.data : (prefix.dataByPort[String(port)] ?? 0);
}

function fold(prefix: MutablePrefix, record: JournalRecord): void {
  prefix.seq = record.seq;
  prefix.counts[record.kind] += 1;
  if (record.kind === 'data') {
    const port = record.port === undefined ? '' : String(record.port);
    prefix.dataByPort[port] = (prefix.dataByPort[port] ?? 0) + 1;
  }
  prefix.maxAt = Math.max(prefix.maxAt, record.at);
  const mark = (stage: string, seq: number): void => {
    if (seq > (prefix.read[stage] ?? 0)) prefix.read[stage] = seq;
  };
  if (record.cause !== undefined) mark(record.cause.stage, record.cause.seq);
  const receipt = record.payload as { receipt?: unknown; upstream?: unknown; to?: unknown; count?: unknown } | undefined;
  if (record.kind === 'control' && receipt?.receipt === 'delivered' && typeof receipt.upstream === 'string' && typeof receipt.to === 'number') {
    mark(receipt.upstream, receipt.to);
    prefix.delivered += typeof receipt.count === 'number' ? receipt.count : 0;
  }
}

/**
 * A journal indexed by record time: every {@link CHUNK} records, the prefix up to there. A
 * record belongs to a moment T when no record up to it has a later `at` (the running maximum),
 * so the prefixes grow with T even where the clock stepped back.
 */
export class JournalIndex {
  private constructor(
    private readonly store: JournalStore,
    private readonly journal: string,
    /** Prefixes at the end of each chunk, in order. */
    private readonly chunks: readonly JournalPrefix[],
  ) {}

  /** Recently read chunks by their first seq − 1, oldest first. */
  private readonly pages = new Map<number, readonly JournalRecord[]>();

  /** Reads `journal` once from the start, keeping a prefix per chunk. */
  static async build(store: JournalStore, journal: string): Promise<JournalIndex> {
    const chunks: JournalPrefix[] = [];
    const prefix = empty();
    for (;;) {
      const page = await store.read(journal, prefix.seq, CHUNK);
      if (page.length === 0) break;
      for (const record of page) fold(prefix, record);
      chunks.push(copy(prefix));
      if (page.length < CHUNK) break;
    }
    return new JournalIndex(store, journal, chunks);
  }

  /** The latest record time of the journal; -Infinity when it is empty. */
  get lastAt(): number {
    return this.chunks.at(-1)?.maxAt ?? -Infinity;
  }

  /** What the journal held at moment `t` (ms): the records up to the last whose running maximum `at` is ≤ t. */
  async at(t: number): Promise<JournalPrefix> {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.chunks[mid]?.maxAt ?? Infinity) <= t) lo = mid + 1;
      else hi = mid;
    }
    const before = this.chunks[lo - 1];
    if (lo === this.chunks.length) return before ?? empty();
    const prefix = before === undefined ? empty() : copy(before);
    for (const record of await this.page(prefix.seq)) {
      if (Math.max(prefix.maxAt, record.at) > t) break;
      fold(prefix, record);
    }
    return prefix;
  }

  /** The prefix up to seq `seq` (records in seq order, whatever their time). */
  async upToSeq(seq: number): Promise<JournalPrefix> {
    const full = Math.floor(seq / CHUNK);
    const before = this.chunks[full - 1];
    const prefix = before === undefined ? empty() : copy(before);
    if (prefix.seq >= seq) return prefix;
    for (const record of await this.page(prefix.seq)) {
      if (record.seq > seq) break;
      fold(prefix, record);
    }
    return prefix;
  }

  private async page(afterSeq: number): Promise<readonly JournalRecord[]> {
    const cached = this.pages.get(afterSeq);
    if (cached !== undefined) return cached;
    const page = await this.store.read(this.journal, afterSeq, CHUNK);
    this.pages.set(afterSeq, page);
    const oldest = this.pages.keys().next();
    if (this.pages.size > CACHED_CHUNKS && oldest.done !== true) this.pages.delete(oldest.value);
    return page;
  }
}
