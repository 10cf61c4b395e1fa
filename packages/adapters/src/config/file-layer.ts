import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { errorMessage } from '@sluice/core';
import type { ConfigProblems } from './config-problems.ts';
import type { ConfigLayer } from './layer.ts';
import { objectLayer } from './object-layer.ts';

/** The config file looked for in the working directory. */
export const CONFIG_FILE_NAME = 'sluice.config.json';

/** A config file read into a layer, or none. */
export interface FileLayer {
  readonly layer: ConfigLayer;
  /** The absolute path of the file read; undefined when none was. */
  readonly path: string | undefined;
}

/**
 * Reads the config file: `file` when given (it must exist), else `sluice.config.json` in `cwd`
 * when there is one; `false` reads none. Relative paths inside it are resolved against its
 * directory. A missing explicit file, bad JSON and unknown keys are reported to `problems`,
 * naming the file; what could be read still counts.
 */
export function fileLayer(file: string | false | undefined, cwd: string, problems: ConfigProblems): FileLayer {
  const empty: FileLayer = { layer: { source: 'file', text: false, baseDir: cwd, entries: [] }, path: undefined };
  if (file === false) return empty;
  const path = resolve(cwd, file ?? CONFIG_FILE_NAME);
  const origin = displayPath(path, cwd);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (file === undefined && code === 'ENOENT') return empty;
    const problem = code === 'ENOENT' ? 'does not exist' : `cannot be read: ${errorMessage(error)}`;
    problems.add(`config file ${origin}`, problem);
    return empty;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    problems.add(`${origin}:`, `is not valid JSON (${errorMessage(error)})`);
    return { ...empty, path };
  }
  return { layer: objectLayer({ source: 'file', value, origin, baseDir: dirname(path), problems }), path };
}

function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : join(rel);
}
