import { expect } from 'chai';
import { describe, it } from 'mocha';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { TerminalError } from '@sluice/core';
import { createPinoLogger, PinoLogger } from '../src/pino-logger.ts';
import { useTempDir } from './support/io-helpers.ts';

function capture(): { stream: PassThrough; lines: () => Record<string, unknown>[] } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const lines = (): Record<string, unknown>[] =>
    Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

/** Lets the PassThrough deliver what was written. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('PinoLogger', () => {
  const dir = useTempDir('sluice-pino-');

  it('writes JSON lines with fields, message, level and bindings', async () => {
    const { stream, lines } = capture();
    const logger = createPinoLogger({ destination: stream, bindings: { flow: 'orders' } });
    logger.info({ batch: 3 }, 'committed');
    logger.child({ stage: 'price', run: 'r1' }).warn({ lag: 10 }, 'behind');
    await tick();
    const [first, second] = lines();
    expect(first).to.include({ level: 30, flow: 'orders', batch: 3, msg: 'committed' });
    expect(second).to.include({
      level: 40,
      flow: 'orders',
      stage: 'price',
      run: 'r1',
      lag: 10,
      msg: 'behind',
    });
  });

  it('honours the level', async () => {
    const { stream, lines } = capture();
    const logger = createPinoLogger({ destination: stream, level: 'warn' });
    logger.debug({}, 'hidden');
    logger.info({}, 'hidden too');
    logger.error({}, 'shown');
    await tick();
    expect(lines().map((line) => line['msg'])).to.deep.equal(['shown']);
  });

  it('serializes errors logged under error or err', async () => {
    const { stream, lines } = capture();
    const logger = createPinoLogger({ destination: stream });
    logger.error({ error: new TypeError('boom') }, 'failed');
    logger.error({ err: new RangeError('bang') }, 'failed');
    await tick();
    const [first, second] = lines();
    expect(first?.['error']).to.include({ type: 'TypeError', message: 'boom' });
    expect(second?.['err']).to.include({ type: 'RangeError', message: 'bang' });
  });

  it('wraps an existing pino instance', async () => {
    const { stream, lines } = capture();
    const logger = new PinoLogger(pino({ level: 'debug' }, stream));
    logger.debug({ n: 1 }, 'deep');
    await tick();
    expect(lines()[0]).to.include({ level: 20, n: 1, msg: 'deep' });
    expect(logger.child({ stage: 's' })).to.be.instanceOf(PinoLogger);
  });

  it('writes synchronously to a file descriptor', async () => {
    const path = join(dir(), 'log.jsonl');
    const file = await open(path, 'w');
    try {
      createPinoLogger({ destination: file.fd, bindings: { run: 'r7' } }).info({ n: 2 }, 'to fd');
    } finally {
      await file.close();
    }
    const line = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect(line).to.include({ run: 'r7', n: 2, msg: 'to fd' });
  });

  it('rejects an unknown level', () => {
    const loud = (): unknown => createPinoLogger({ level: 'loud' });
    expect(loud).to.throw(TerminalError, /unknown log level "loud"/);
    expect(() => createPinoLogger({ level: 'toString' })).to.throw(TerminalError);
  });
});
