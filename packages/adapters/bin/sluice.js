#!/usr/bin/env node
/**
 * The `sluice` command, run in this process (no wrapper, no child) so that signals sent to its
 * PID reach the run directly. In a source checkout (src/ present) it registers the `development`
 * export condition and tsx (a devDependency) and runs the TypeScript CLI, so that workspace
 * packages resolve to their sources. An installed package runs the compiled CLI from dist/; it
 * loads tsx, from the user's project, only for a TypeScript flow file (src/cli/load-flow.ts).
 */
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  register('./development-condition.js', import.meta.url);
  await import('tsx');
  await import(source.href);
} else {
  await import(new URL('../dist/src/cli/main.js', import.meta.url).href);
}
