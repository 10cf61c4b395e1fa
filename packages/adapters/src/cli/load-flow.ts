import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCode, SluiceError, errorMessage, type Flow } from '@sluice/core';

const TYPESCRIPT_FILE = /\.[cm]?ts$/;

// Set once tsx is registered, and true from the start when this module is itself TypeScript: a
// TypeScript loader (tsx in a source checkout, or under the test runner) is already in place.
let typescriptLoader = import.meta.url.endsWith('.ts');

/**
 * Loads a flow file: a module (JavaScript, or TypeScript through tsx) whose default export is a
 * Flow built with `flow(…)` from @sluice/core, or a function (possibly async) returning one.
 * tsx is not a dependency of Sluice: for a .ts/.mts/.cts file it is taken from the flow's own
 * project (resolved from the file's directory), else from wherever the CLI can resolve it.
 * Throws a CONFIG SluiceError naming the file when it is missing, is TypeScript and no tsx is
 * found, fails to load (a flow definition error included) or exports something else.
 */
export async function loadFlow(file: string, cwd: string = process.cwd()): Promise<Flow> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new SluiceError(ErrorCode.Config, `flow file ${file} does not exist`);
  if (TYPESCRIPT_FILE.test(path) && !typescriptLoader) await registerTsx(path, file);
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    throw new SluiceError(ErrorCode.Config, `cannot load flow file ${file}: ${errorMessage(error)}`, { cause: error });
  }
  let exported = loaded.default;
  if (typeof exported === 'function') {
    try {
      exported = await (exported as () => unknown)();
    } catch (error) {
      throw new SluiceError(ErrorCode.Config, `flow file ${file}: its default export threw: ${errorMessage(error)}`, { cause: error });
    }
  }
  if (!isFlow(exported)) {
    throw new SluiceError(
      ErrorCode.Config,
      `flow file ${file} must export a flow as default (flow(…) from @sluice/core, or a function returning one); it exports ${describe(exported)}`,
    );
  }
  return exported;
}

/**
 * Registers tsx, found from the flow file's directory first, then from the CLI's own location.
 * Its main entry is what `node --import tsx` loads (ESM and CommonJS hooks); tsx 4's CommonJS
 * build of `tsx/esm/api`, which is what a require-style lookup would find, cannot register.
 */
async function registerTsx(path: string, file: string): Promise<void> {
  const loader = findTsx([path, fileURLToPath(import.meta.url)]);
  if (loader === undefined) {
    throw new SluiceError(
      ErrorCode.Config,
      `cannot load ${file}: TypeScript flow files need tsx; install it (npm install -D tsx) or compile the flow to .js`,
    );
  }
  try {
    await import(pathToFileURL(loader).href);
  } catch (error) {
    throw new SluiceError(ErrorCode.Config, `cannot load ${file}: tsx (${loader}) failed to load: ${errorMessage(error)}`, { cause: error });
  }
  typescriptLoader = true;
}

/** The path of tsx's loader as resolved from the first base that has it, or undefined. */
function findTsx(bases: readonly string[]): string | undefined {
  for (const base of bases) {
    try {
      return createRequire(base).resolve('tsx');
    } catch (error) {
      // Not installed there: try the next place.
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return undefined;
}

function isFlow(value: unknown): value is Flow {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Flow>;
  return typeof candidate.name === 'string' && typeof candidate.definitionHash === 'string' && Array.isArray(candidate.stages);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing as default';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
