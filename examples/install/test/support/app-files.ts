import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The numbers the flows below double; each output line is `{"n":…,"doubled":…}`. */
export const NUMBERS = [1, 2, 3] as const;

/**
 * A JavaScript flow file: the CLI imports its default export; `node flow.mjs <data-dir>` runs
 * it embedded. It writes to $FLOW_OUT.
 */
const FLOW_MJS = `import { fileURLToPath } from 'node:url';
import { flow, sink, source, transform } from '@sluice/core';
import { arraySource, jsonLinesSink, run } from '@sluice/adapters';

const numbers = source('numbers', arraySource(${JSON.stringify(NUMBERS)}));
const doubled = transform('double', numbers, (n) => ({ n, doubled: n * 2 }));
const installed = flow('installed', [sink('out', doubled, jsonLinesSink(process.env.FLOW_OUT))]);
export default installed;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const summary = await run(installed, { dataDir: process.argv[2], logLevel: 'warn' });
  console.log(summary.state);
}
`;

/** The same flow in strict TypeScript; it writes to out/ts.jsonl under the working directory. */
const FLOW_TS = `import { flow, sink, source, transform, type Flow } from '@sluice/core';
import { arraySource, jsonLinesSink } from '@sluice/adapters';

interface Doubled { n: number; doubled: number }

const numbers = source('numbers', arraySource<number>(${JSON.stringify(NUMBERS)}));
const doubled = transform('double', numbers, (n): Doubled => ({ n, doubled: n * 2 }));
const installed: Flow = flow('installed', [sink('out', doubled, jsonLinesSink<Doubled>('out/ts.jsonl'))]);
export default installed;
`;

/** A flow too slow to finish during the test (a millisecond per record), to be stopped by a signal. */
const SLOW_MJS = `import { flow, sink, source, transform } from '@sluice/core';
import { arraySource, jsonLinesSink } from '@sluice/adapters';

const numbers = source('numbers', arraySource(Array.from({ length: 100000 }, (_, i) => i)));
const slow = transform('slow', numbers, async (n) => {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return n;
});
export default flow('slow', [sink('out', slow, jsonLinesSink(process.env.FLOW_OUT))]);
`;

/** The published test kit (`@sluice/adapters/testing`) on the same flow, on virtual time: prints the journal of `double`. */
const KIT_MJS = `import { delay, flow, sink, source } from '@sluice/core';
import { jsonLinesSink } from '@sluice/adapters';
import { createTestKit, testSource } from '@sluice/adapters/testing';

const numbers = testSource();
const held = delay('hold', source('numbers', numbers), { forMs: 86_400_000 });
const kit = createTestKit(flow('kit', [sink('out', held, jsonLinesSink(process.env.FLOW_OUT))]));
numbers.push(...${JSON.stringify(NUMBERS)});
await kit.advance('25h');
console.log(JSON.stringify(await kit.journal('hold')));
await kit.stop();
await kit.cleanup();
`;

/** A tsconfig as a new Node project would write it: NodeNext, strict. */
const TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true },
  include: ['flow.ts'],
};

/** Creates an app directory: an ESM package.json, flow.mjs, slow.mjs, kit.mjs, flow.ts and tsconfig.json. */
export async function writeApp(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const manifest = { name: 'sluice-install-check', version: '1.0.0', private: true, type: 'module' };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(dir, 'flow.mjs'), FLOW_MJS);
  await writeFile(join(dir, 'slow.mjs'), SLOW_MJS);
  await writeFile(join(dir, 'kit.mjs'), KIT_MJS);
  await writeFile(join(dir, 'flow.ts'), FLOW_TS);
  await writeFile(join(dir, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
}
