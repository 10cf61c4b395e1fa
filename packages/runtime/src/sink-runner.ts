import type { SinkWriter, StageNode } from '@sluice/core';
import type { BatchOutput } from './batch-output.ts';
import { StageRunner, type StepResult } from './stage-runner.ts';
import { UpstreamReader, type Input, type ReadItem } from './upstream-reader.ts';

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

  protected override async step(): Promise<StepResult> {
    const writer = this.writer;
    if (this.ended || writer === undefined) return 'ended';
    const { items, cursors, ended, endsNow, moved } = await this.reader.read(this.deps.batchSize);
    if (!moved && !endsNow) return 'idle';
    const out = this.output();
    const started = performance.now();
    const position = items.length === 0 ? undefined : await this.write(writer, items, out);
    if (endsNow) {
      await writer.end?.();
      out.eof();
    }
    const handlerMs = performance.now() - started;
    await this.deps.store.commit({
      stage: this.node.name,
      records: out.records,
      cursors,
      ...(position === undefined ? {} : { state: position }),
    });
    this.reader.advance(cursors, ended);
    this.committed(items.length, out, handlerMs);
    if (endsNow) this.ended = true;
    return endsNow ? 'ended' : 'progress';
  }

  protected override async release(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    await writer?.close?.();
  }

  private async write(writer: SinkWriter<unknown, unknown>, items: readonly ReadItem[], out: BatchOutput): Promise<unknown> {
    try {
      return await writer.write(items.map((i) => i.record.payload));
    } catch (batchError) {
      if (items.length === 1) {
        const [item] = items;
        if (item !== undefined) out.fail(batchError, item.record.payload, { stage: item.input.upstream, seq: item.record.seq });
        return undefined;
      }
      let position: unknown;
      for (const item of items) {
        try {
          position = await writer.write([item.record.payload]);
        } catch (error) {
          out.fail(error, item.record.payload, { stage: item.input.upstream, seq: item.record.seq });
        }
      }
      return position;
    }
  }
}
