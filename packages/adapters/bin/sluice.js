#!/usr/bin/env node
/**
 * The `sluice` command. It registers tsx, so that flow files may be TypeScript. In a source
 * checkout (src/ present) it runs the TypeScript CLI with the `development` export condition,
 * so that workspace packages resolve to their sources; in a published package it runs the
 * compiled CLI from dist/. Either way in this process, so that signals reach the run directly.
 */
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const source = new URL('../src/cli/main.ts', import.meta.url);
const checkout = existsSync(source);
if (checkout) register('./development-condition.js', import.meta.url);
await import('tsx');
await import(checkout ? source.href : new URL('../dist/src/cli/main.js', import.meta.url).href);
