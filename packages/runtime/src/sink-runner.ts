import type { SinkWriter, StageNode } from '@sluice/core';
import type { BatchOutput } from './batch-output.ts';
import { snapshot, StageRunner, type Prepared } from './stage-runner.ts';
import { UpstreamReader, type Input, type InputBatch, type ReadResult } from './upstream-reader.ts';

/**
 * Runs a sink: writes a batch, then commits the sink's returned position with its cursor.
 * A sink that rewinds to that position on open (the JSON-lines sink truncates) is thereby
 * exactly-once; others are at-least-once. A batch that fails to write is retried one
 * record at a time so that only the failing records go to the error lane.
 */
export class SinkRunner extends StageRunner {
  private readonly reader = new UpstreamReader(this.deps.store, this.node.name, this.node.inputs);
  private writer: SinkWriter<unknown, unknown> | undefined;
  private ended = false;

  override get inputs(): readonly Input[] {
    return this.reader.inputs;
  }

  override async initialize(): Promise<void> {
    const node = this.node as Extract<StageNode, { kind: 'sink' }>;
    await this.reader.load();
    this.ended = await this.journalEnded();
    const position = await this.deps.store.loadState(node.name);
    this.writer = await node.handler.open(position, this.context());
  }

  protected override async prepare(): Promise<Prepared | 'idle' | 'ended'> {
    const writer = this.writer;
    if (this.ended || writer === undefined) return 'ended';
    const read = await this.reader.read(this.deps.batchSize);
    if (!read.moved && !read.endsNow) return 'idle';
    const out = this.output();
    const started = performance.now();
    const position = read.count === 0 ? undefined : await this.write(writer, read, out);
    if (read.endsNow) {
      await writer.end?.();
      out.eof();
      this.ended = true;
    }
    return {
      batch: {
        stage: this.node.name,
        records: out.records,
        cursors: read.cursors,
        ...(position === undefined ? {} : { state: snapshot(position) }),
      },
      inCount: read.count,
      out,
      handlerMs: performance.now() - started,
      ends: read.endsNow,
      onCommitted: this.reader.advancer(read),
    };
  }

  protected override async release(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    await writer?.close?.();
  }

  private async write(writer: SinkWriter<unknown, unknown>, read: ReadResult, out: BatchOutput): Promise<unknown> {
    try {
      return await writer.write(payloadsOf(read.batches));
    } catch (batchError) {
      const [only] = read.batches;
      if (read.count === 1 && only !== undefined) {
        const [record] = only.records;
        if (record !== undefined) out.fail(batchError, record.payload, { stage: only.input.upstream, seq: record.seq });
        return undefined;
      }
      let position: unknown;
      for (const { input, records } of read.batches) {
        for (const record of records) {
          try {
            position = await writer.write([record.payload]);
          } catch (error) {
            out.fail(error, record.payload, { stage: input.upstream, seq: record.seq });
          }
        }
      }
      return position;
    }
  }
}

function payloadsOf(batches: readonly InputBatch[]): unknown[] {
  const payloads: unknown[] = [];
  for (const { records } of batches) for (const record of records) payloads.push(record.payload);
  return payloads;
}
