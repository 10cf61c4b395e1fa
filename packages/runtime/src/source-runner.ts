import { ErrorCode, TerminalError, type SourceReader, type SourceSpec, type StageNode } from '@sluice/core';
import { snapshot, StageRunner, type Prepared } from './stage-runner.ts';

/** Runs a source: reads a batch and appends it with the source's position in one commit. */
export class SourceRunner extends StageRunner {
  private reader: SourceReader<unknown, unknown> | undefined;
  private ended = false;
  /** Last seq of the journal once the batches prepared so far commit: a source is its journal's only writer. */
  private lastSeq = 0;

  override async initialize(): Promise<void> {
    const node = this.node as StageNode<SourceSpec>;
    this.ended = await this.journalEnded();
    if (this.ended) return;
    this.lastSeq = await this.deps.store.lastSeq(node.name);
    await this.eventTime.restore(this.deps.store, []);
    const position = await this.deps.store.loadState(node.name);
    this.reader = await node.spec.handler.open(position, this.context());
  }

  protected override async prepare(): Promise<Prepared | 'idle' | 'ended'> {
    const reader = this.reader;
    if (this.ended || reader === undefined) return 'ended';
    const started = performance.now();
    const batch = await reader.read(this.deps.batchSize);
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
    // Seqs are dense and the batches commit in order: this batch lands right after the last one.
    const firstSeq = this.lastSeq + 1;
    this.lastSeq += out.records.length;
    const lastSeq = this.lastSeq;
    return {
      batch: { stage: this.node.name, records: out.records, state: snapshot(batch.position) },
      inCount: 0,
      out,
      handlerMs,
      ends: batch.done,
      onCommitted: () => {
        reader.committed?.({ firstSeq, lastSeq });
      },
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
