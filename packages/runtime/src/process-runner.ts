import type { BatchOutput } from './batch-output.ts';
import { createProcessor, type Processor } from './processor.ts';
import { StageRunner, type StepResult } from './stage-runner.ts';
import { UpstreamReader, type Input, type ReadItem } from './upstream-reader.ts';

/**
 * Runs a transform, route or stateful stage: reads a batch after its cursors, handles each
 * record (a throw sends that record to the error lane) and commits outputs, cursors and
 * state in one transaction. When every input has ended it appends its own EOF in the same
 * commit, so "inputs ended" and "EOF written" never disagree after a crash.
 */
export class ProcessRunner extends StageRunner {
  private readonly reader = new UpstreamReader(this.deps.store, this.node.name, this.node.inputs);
  private processor: Processor | undefined;
  private ended = false;

  override get inputs(): readonly Input[] {
    return this.reader.inputs;
  }

  override async initialize(): Promise<void> {
    await this.reader.load();
    this.ended = await this.journalEnded();
    this.processor = createProcessor(this.node, await this.deps.store.loadState(this.node.name));
  }

  protected override async step(): Promise<StepResult> {
    const processor = this.processor;
    if (this.ended || processor === undefined) return 'ended';
    const { items, cursors, ended, endsNow, moved } = await this.reader.read(this.deps.batchSize);
    if (!moved && !endsNow) return 'idle';
    const out = this.output();
    const started = performance.now();
    for (const item of items) await this.handle(processor, item, out);
    if (endsNow) this.end(processor, out);
    const handlerMs = performance.now() - started;
    await this.deps.store.commit({
      stage: this.node.name,
      records: out.records,
      cursors,
      state: processor.state(),
    });
    this.reader.advance(cursors, ended);
    this.committed(items.length, out, handlerMs);
    if (endsNow) this.ended = true;
    return endsNow ? 'ended' : 'progress';
  }

  protected override release(): Promise<void> {
    return Promise.resolve();
  }

  private async handle(processor: Processor, item: ReadItem, out: BatchOutput): Promise<void> {
    try {
      const pending = processor.handle(item.record, item.input.upstream, out);
      if (pending !== undefined) await pending;
    } catch (error) {
      processor.rollback();
      out.fail(error, item.record.payload, { stage: item.input.upstream, seq: item.record.seq });
    }
  }

  private end(processor: Processor, out: BatchOutput): void {
    try {
      processor.end(out);
    } catch (error) {
      out.fail(error, undefined);
    }
    out.eof();
  }
}
