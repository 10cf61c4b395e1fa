import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode, SluiceError, errorMessage, type Flow } from '@sluice/core';

/**
 * Loads a flow file: a module (TypeScript through tsx, or JavaScript) whose default export is a
 * Flow built with `flow(…)` from @sluice/core, or a function (possibly async) returning one.
 * Throws a CONFIG SluiceError naming the file when it is missing, fails to load (a flow
 * definition error included) or exports something else.
 */
export async function loadFlow(file: string, cwd: string = process.cwd()): Promise<Flow> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new SluiceError(ErrorCode.Config, `flow file ${file} does not exist`);
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
