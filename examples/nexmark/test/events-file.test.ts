import { expect } from 'chai';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureEventsFile } from '../src/events-file.ts';
import { DEFAULT_CONFIG } from '../src/generator/config.ts';

describe('NEXMark events file', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'nexmark-file-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes one event per line as {"person"|"auction"|"bid": …}, byte-identical for the same seed', async () => {
    const a = await ensureEventsFile(join(dir, 'a'), 5000, DEFAULT_CONFIG);
    const b = await ensureEventsFile(join(dir, 'b'), 5000, DEFAULT_CONFIG);
    const text = await readFile(a.path, 'utf8');
    expect(text).to.equal(await readFile(b.path, 'utf8'));
    const lines = text.split('\n');
    expect(lines.pop()).to.equal('');
    expect(lines).to.have.length(5000);
    for (const kind of ['person', 'auction', 'bid']) expect(lines.some((l) => l.startsWith(`{"${kind}":{`))).to.equal(true);
    expect(a.bytes).to.equal((await stat(a.path)).size);
  });

  it('reuses a file generated with the same options, and regenerates when one differs', async () => {
    const first = await ensureEventsFile(dir, 2000, DEFAULT_CONFIG);
    expect(first.reused).to.equal(false);
    expect((await ensureEventsFile(dir, 2000, DEFAULT_CONFIG)).reused).to.equal(true);
    expect((await ensureEventsFile(dir, 2000, { ...DEFAULT_CONFIG, rate: 500 })).reused).to.equal(false);
    expect((await ensureEventsFile(dir, 2000, { ...DEFAULT_CONFIG, rate: 500, seed: 9 })).reused).to.equal(false);
    expect((await ensureEventsFile(dir, 3000, { ...DEFAULT_CONFIG, rate: 500, seed: 9 })).reused).to.equal(false);
    expect((await ensureEventsFile(dir, 3000, { ...DEFAULT_CONFIG, rate: 500, seed: 9 })).reused).to.equal(true);
  });

  it('regenerates a file whose size is not the one recorded (cut or edited)', async () => {
    const first = await ensureEventsFile(dir, 2000, DEFAULT_CONFIG);
    const text = await readFile(first.path, 'utf8');
    await writeFile(first.path, text.slice(0, 1000));
    const again = await ensureEventsFile(dir, 2000, DEFAULT_CONFIG);
    expect(again.reused).to.equal(false);
    expect(await readFile(first.path, 'utf8')).to.equal(text);
  });
});
