import { ErrorCode, TerminalError, type SourceReader, type SourceSpec, type StageNode } from '@sluice/core';
import { snapshot, StageRunner, type Prepared } from './stage-runner.ts';

/** Runs a source: reads a batch and appends it with the source's position in one commit. */
export class SourceRunner extends StageRunner {
  private reader: SourceReader<unknown, unknown> | undefined;
  private ended = false;

  override async initialize(): Promise<void> {
    const node = this.node as StageNode<SourceSpec>;
    this.ended = await this.journalEnded();
    if (this.ended) return;
    const position = await this.deps.store.loadState(node.name);
    this.reader = await node.spec.handler.open(position, this.context());
  }

  protected override async prepare(): Promise<Prepared | 'idle' | 'ended'> {
    if (this.ended || this.reader === undefined) return 'ended';
    const started = performance.now();
    const batch = await this.reader.read(this.deps.batchSize);
    const handlerMs = performance.now() - started;
    const out = this.output();
    for (const value of batch.values) out.emit(value, undefined);
    for (const error of batch.errors ?? []) {
      const thrown = new TerminalError(ErrorCode.MalformedInput, error.message, { stage: this.node.name });
      out.fail(thrown, error.input, undefined, error.location);
    }
    if (batch.done) out.eof();
    if (out.records.length === 0) return 'idle';
    if (batch.done) this.ended = true;
    return {
      batch: { stage: this.node.name, records: out.records, state: snapshot(batch.position) },
      inCount: 0,
      out,
      handlerMs,
      ends: batch.done,
    };
  }

  /** A stopping source takes no new input: it only closes its reader. */
  protected override catchUp(): Promise<void> {
    return Promise.resolve();
  }

  protected override async release(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    await reader?.close?.();
  }
}
