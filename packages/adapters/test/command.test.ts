import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FlowDefinitionError, flow, sink, source, type ErrorPayload } from '@sluice/core';
import { arraySource, command, LmdbJournalStore, type CommandExit, type CommandRecord } from '../src/index.ts';
import { CHILD, nullSink, outputByInput, records, runOn } from './fixtures/command-support.ts';

describe('command stage', function () {
  this.timeout(30_000);
  let dir: string;
  let store: LmdbJournalStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-command-'));
    store = LmdbJournalStore.open({ path: join(dir, 'data') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const runFlow = async (...stages: Parameters<typeof flow>[1]): Promise<void> => {
    await runOn(flow('commands', stages), store, join(dir, 'data'));
  };

  it('records each stdout and stderr line, then the exit, with the input as cause', async () => {
    const runs = command('run', source('jobs', arraySource([2, 1])), (n: number) => ({ program: process.execPath, args: [CHILD, 'lines', String(n), '0'] }));
    await runFlow(sink('out', runs, nullSink<CommandRecord>()));

    const journal = (await records(store, 'run')).filter((r) => r.kind === 'data');
    expect(journal.every((r) => r.cause?.stage === 'jobs')).to.equal(true);
    const byInput = await outputByInput(store, 'run');
    const first = byInput.get(1) ?? [];
    const lines = (stream: string): string[] => first.flatMap((r) => (r.type === 'line' && r.stream === stream ? [r.line] : []));
    expect(lines('stdout')).to.deep.equal(['out-1', 'out-2']);
    expect(lines('stderr')).to.deep.equal(['err-1', 'err-2']);
    expect(first).to.have.length(5);
    expect(first.at(-1)).to.deep.include({ type: 'exit', code: 0, signal: null, timedOut: false, cancelled: false });
    expect(first.at(-1)).not.to.have.property('truncated');
    // Records of input 1 come before those of input 2: committed per input, in input order.
    expect(journal.map((r) => r.cause?.seq)).to.deep.equal([1, 1, 1, 1, 1, 2, 2, 2]);
  });

  it('runs up to `concurrency` processes at once and still commits each input\'s records together, in input order', async () => {
    // The first inputs take longest, so they end last.
    const inputs = [6, 5, 4, 3, 2, 1];
    const runs = command('run', source('jobs', arraySource(inputs)), (n: number) => ({ program: process.execPath, args: [CHILD, 'wait-print', String(n * 40), `job-${String(n)}`] }), { concurrency: 3 });
    await runFlow(sink('out', runs, nullSink<CommandRecord>()));

    const journal = (await records(store, 'run')).filter((r) => r.kind === 'data');
    expect(journal.map((r) => r.cause?.seq)).to.deep.equal([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    const printed = journal.flatMap((r) => ((r.payload as CommandRecord).type === 'line' ? [(r.payload as { line: string }).line] : []));
    expect(printed).to.deep.equal(inputs.map((n) => `job-${String(n)}`));
  });

  it('keeps at most maxOutputBytes per input and records the cut in the exit record', async () => {
    const runs = command('run', source('jobs', arraySource([100, 2])), (n: number) => ({ program: process.execPath, args: [CHILD, 'bytes', String(n)] }), { maxOutputBytes: 250 });
    await runFlow(sink('out', runs, nullSink<CommandRecord>()));

    const byInput = await outputByInput(store, 'run');
    const big = byInput.get(1) ?? [];
    expect(big.filter((r) => r.type === 'line')).to.have.length(25);
    expect(big.at(-1)).to.deep.include({ type: 'exit', code: 0, truncated: true, droppedBytes: 750 });
    const small = byInput.get(2) ?? [];
    expect(small).to.have.length(3);
    expect(small.at(-1)).not.to.have.property('truncated');
  });

  it('retries a non-zero exit per the stage\'s retry policy, then sends the input to the error lane naming stage, program, code and stderr', async () => {
    const counter = join(dir, 'count');
    const runs = command('run', source('jobs', arraySource([1])), () => ({ program: process.execPath, args: [CHILD, 'count', counter, '3'] }), { retry: { maxAttempts: 3, backoffMs: 1 } });
    await runFlow(sink('out', runs, nullSink<CommandRecord>()));

    expect(readFileSync(counter, 'utf8')).to.equal('x\nx\nx\n');
    const journal = await records(store, 'run');
    expect(journal.filter((r) => r.kind === 'data')).to.have.length(0);
    const errors = journal.filter((r) => r.kind === 'error');
    expect(errors).to.have.length(1);
    const error = errors[0]?.payload as ErrorPayload;
    expect(error.message).to.include('command "run" on jobs#1').and.include(process.execPath).and.include('exited with code 3').and.include('boom 3');
    expect(errors[0]?.cause).to.deep.equal({ stage: 'jobs', seq: 1 });
  });

  it('emits the attempt that succeeded after a failed one, and only its lines', async () => {
    const counter = join(dir, 'count');
    const runs = command('run', source('jobs', arraySource([1])), () => ({ program: process.execPath, args: [CHILD, 'count', counter, '3', '2'] }), { retry: { maxAttempts: 3, backoffMs: 1 } });
    await runFlow(sink('out', runs, nullSink<CommandRecord>()));

    expect(readFileSync(counter, 'utf8')).to.equal('x\nx\n');
    const output = (await outputByInput(store, 'run')).get(1) ?? [];
    expect(output.map((r) => (r.type === 'line' ? r.line : r.type))).to.deep.equal(['ok', 'exit']);
  });

  it('with failOnNonZero false, emits a failing process\'s lines and exit code', async () => {
    const runs = command('run', source('jobs', arraySource([1])), () => ({ program: process.execPath, args: [CHILD, 'lines', '1', '4'] }), { failOnNonZero: false });
    await runFlow(sink('out', runs, nullSink<CommandRecord>()));
    const output = (await outputByInput(store, 'run')).get(1) ?? [];
    expect(output.at(-1)).to.deep.include({ type: 'exit', code: 4 } satisfies Partial<CommandExit>);
  });

  it('fails the record, not the stage, for a program that is not found, naming ENOENT', async () => {
    const runs = command('run', source('jobs', arraySource(['/no/such/program', process.execPath])), (program: string) => ({ program, args: [CHILD, 'lines', '1', '0'] }));
    await runFlow(sink('out', runs, nullSink<CommandRecord>()));

    const journal = await records(store, 'run');
    const errors = journal.filter((r) => r.kind === 'error').map((r) => r.payload as ErrorPayload);
    expect(errors).to.have.length(1);
    expect(errors[0]?.message).to.include('ENOENT').and.include('/no/such/program');
    expect((await outputByInput(store, 'run')).get(2)?.at(-1)).to.deep.include({ type: 'exit', code: 0 });
  });

  it('runs no shell unless asked: a shell line is one program name', async () => {
    const line = 'echo $((6 * 7))';
    const runs = command('run', source('jobs', arraySource([false, true])), (shell: boolean) => (shell ? { program: line, shell: true } : { program: line }));
    await runFlow(sink('out', runs, nullSink<CommandRecord>()));
    const journal = await records(store, 'run');
    expect((journal.find((r) => r.kind === 'error')?.payload as ErrorPayload).message).to.include('ENOENT');
    expect((await outputByInput(store, 'run')).get(2)?.[0]).to.deep.equal({ type: 'line', stream: 'stdout', line: '42' });
  });

  it('refuses bad options with a FlowDefinitionError naming the stage', () => {
    const jobs = source('jobs', arraySource([1]));
    expect(() => command('run', jobs, () => ({ program: 'true' }), { timeoutMs: 0 })).to.throw(FlowDefinitionError, /command "run": timeoutMs/);
    expect(() => command('run', jobs, () => ({ program: 'true' }), { maxOutputBytes: -1 })).to.throw(FlowDefinitionError, /maxOutputBytes/);
  });
});
