import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = fileURLToPath(new URL('../../', import.meta.url));
const banned = /^(lmdb|pino|prom-client|node:http|http|@sluice\/adapters)$/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('layer rule', () => {
  for (const pkg of ['core', 'fsm', 'runtime']) {
    it(`${pkg} imports no lmdb, pino, prom-client, node:http or adapters`, () => {
      const offenders: string[] = [];
      for (const file of sources(join(packages, pkg, 'src'))) {
        for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
          const specifier = match[1] ?? '';
          if (banned.test(specifier)) offenders.push(`${file}: ${specifier}`);
        }
      }
      expect(offenders).to.deep.equal([]);
    });
  }
});
