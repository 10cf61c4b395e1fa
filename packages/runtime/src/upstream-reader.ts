import type { Edge, JournalRecord, JournalStore } from '@sluice/core';

/** One input of a stage: an upstream journal, the port read, and the durable cursor. */
export interface Input {
  readonly upstream: string;
  readonly port: number | undefined;
  /** Cursor key: the upstream name, with `#port` for a route output. */
  readonly key: string;
  cursor: number;
  ended: boolean;
}

/** A record read for the stage, with the input it came from. */
export interface ReadItem {
  readonly input: Input;
  readonly record: JournalRecord;
}

/** One read across a stage's inputs. */
export interface ReadResult {
  /** Data records for this stage (other ports, errors and EOF are skipped). */
  readonly items: ReadItem[];
  /** Cursor positions to commit with the batch. */
  readonly cursors: Record<string, number>;
  /** Inputs whose EOF this read reached. */
  readonly ended: Input[];
  /** True when, after this read, every input has ended. */
  readonly endsNow: boolean;
  /** True when any cursor moves. */
  readonly moved: boolean;
}

/** Reads a stage's inputs after their cursors, round-robin, and tracks upstream EOF. */
export class UpstreamReader {
  readonly inputs: readonly Input[];
  private next = 0;

  constructor(
    private readonly store: JournalStore,
    private readonly stage: string,
    edges: readonly Edge[],
  ) {
    this.inputs = edges.map((edge) => ({
      upstream: edge.from.name,
      port: edge.port,
      key: edge.port === undefined ? edge.from.name : `${edge.from.name}#${String(edge.port)}`,
      cursor: 0,
      ended: false,
    }));
  }

  /** Loads cursors; an input whose last consumed record was EOF is already ended. */
  async load(): Promise<void> {
    for (const input of this.inputs) {
      input.cursor = await this.store.cursor(this.stage, input.key);
      if (input.cursor > 0) {
        const [last] = await this.store.read(input.upstream, input.cursor - 1, 1);
        input.ended = last?.kind === 'eof';
      }
    }
  }

  /** True when every input has delivered its EOF. */
  get allEnded(): boolean {
    return this.inputs.every((i) => i.ended);
  }

  /**
   * Reads up to `limit` records across inputs, starting with a different input each call
   * so that one busy upstream cannot starve another. Cursors in the returned map are the
   * positions to commit; the inputs themselves advance only in `advance`.
   */
  async read(limit: number): Promise<ReadResult> {
    const items: ReadItem[] = [];
    const cursors: Record<string, number> = {};
    const ended: Input[] = [];
    const count = this.inputs.length;
    for (let i = 0; i < count && items.length < limit; i++) {
      const input = this.inputs[(this.next + i) % count];
      if (input === undefined || input.ended) continue;
      const records = await this.store.read(input.upstream, input.cursor, limit - items.length);
      let cursor = input.cursor;
      for (const record of records) {
        cursor = record.seq;
        if (record.kind === 'eof') {
          ended.push(input);
          break;
        }
        if (record.kind === 'data' && (input.port === undefined || record.port === input.port)) {
          items.push({ input, record });
        }
      }
      if (cursor !== input.cursor) cursors[input.key] = cursor;
    }
    this.next = (this.next + 1) % Math.max(1, count);
    const endsNow = this.inputs.every((i) => i.ended || ended.includes(i));
    return { items, cursors, ended, endsNow, moved: Object.keys(cursors).length > 0 };
  }

  /** Applies a committed read: cursors move and ended inputs are marked. */
  advance(cursors: Readonly<Record<string, number>>, ended: readonly Input[]): void {
    for (const input of this.inputs) {
      const cursor = cursors[input.key];
      if (cursor !== undefined) input.cursor = cursor;
    }
    for (const input of ended) input.ended = true;
  }
}
