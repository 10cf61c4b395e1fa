import { ErrorCode, TerminalError } from './errors.ts';

declare const inputKeyBrand: unique symbol;

/**
 * The key of one input of a stage, under which its cursor is stored: the upstream stage's
 * name, or `name#port` when the stage reads one port of a route. Built only by
 * {@link formatInputKey}; a plain string (a cursor key read back from a store) goes through
 * {@link parseInputKey}.
 */
export type InputKey = string & { readonly [inputKeyBrand]: true };

/** An input key taken apart: the upstream journal and, for a route output, the port read. */
export interface ParsedInputKey {
  readonly upstream: string;
  readonly port?: number;
}

/** Port numbers as keys spell them: no sign, no leading zero. */
const PORT = /^(?:0|[1-9][0-9]*)$/;

/**
 * The input key of `upstream` read whole (no port) or at `port`. Stage names cannot hold `#`
 * (the DSL refuses them), so the key parses back unambiguously. Throws TerminalError
 * MALFORMED_INPUT for a port that is not a non-negative integer.
 */
export function formatInputKey(upstream: string, port?: number): InputKey {
  if (port === undefined) return upstream as InputKey;
  if (!Number.isSafeInteger(port) || port < 0) {
    throw new TerminalError(ErrorCode.MalformedInput, `input of "${upstream}": port ${String(port)} is not a non-negative integer`);
  }
  return `${upstream}#${String(port)}` as InputKey;
}

/**
 * The upstream and port of an input key. Throws TerminalError MALFORMED_INPUT naming the key
 * when it is not `name` or `name#port` (empty name, more than one `#`, a port that is not a
 * non-negative integer).
 */
export function parseInputKey(key: string): ParsedInputKey {
  const parts = key.split('#');
  const [upstream, port, ...rest] = parts;
  if (upstream === undefined || upstream === '' || rest.length > 0 || (port !== undefined && !PORT.test(port))) {
    throw new TerminalError(
      ErrorCode.MalformedInput,
      `input key "${key}" is malformed: expected "<stage>" or "<stage>#<port>"`,
    );
  }
  return port === undefined ? { upstream } : { upstream, port: Number(port) };
}
