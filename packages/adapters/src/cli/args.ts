import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../config/did-you-mean.ts';
import { UsageError } from './usage-error.ts';

/** parseArgs option declarations. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags by name. */
export type FlagValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** What a command line holds: named positionals and flags. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly flags: FlagValues;
}

/** Options of {@link parseCommandArgs}. */
export interface ParseCommandOptions {
  /** The command, for messages (`journal cat`). */
  readonly command: string;
  readonly options: OptionSpecs;
  /** Names of the required positionals, in order (`<data-dir>`). */
  readonly positionals: readonly string[];
}

/**
 * Parses a command's arguments strictly: an unknown flag, a flag without its value, a missing
 * or an extra positional throws a {@link UsageError} naming it (every unknown flag at once,
 * each with the flag it nearly is). `--help` is always accepted.
 */
export function parseCommandArgs(argv: readonly string[], spec: ParseCommandOptions): ParsedArgs {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  const options: OptionSpecs = { ...spec.options, help: { type: 'boolean', short: 'h' } };
  try {
    const result = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    parsed = { values: result.values, positionals: result.positionals };
  } catch (error) {
    const unknown = (error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? unknownOptions(argv, options) : [];
    const problem = unknown.length > 1 ? `unknown options ${unknown.join(', ')}` : unknown.length === 1 ? `unknown option ${unknown[0] ?? ''}` : parseArgsProblem(error);
    throw new UsageError(`${spec.command}: ${problem}`, spec.command);
  }
  const flags = parsed.values as FlagValues;
  if (flags['help'] === true) return { positionals: parsed.positionals, flags };
  const missing = spec.positionals[parsed.positionals.length];
  if (missing !== undefined) throw new UsageError(`${spec.command}: missing ${missing}`, spec.command);
  const extra = parsed.positionals[spec.positionals.length];
  if (extra !== undefined) throw new UsageError(`${spec.command}: unexpected argument "${extra}"`, spec.command);
  return { positionals: parsed.positionals, flags };
}

/** Every unknown flag of `argv`, each with the declared flag it nearly is: `--metrics-prot (did you mean --metrics-port?)`. */
function unknownOptions(argv: readonly string[], options: OptionSpecs): string[] {
  const { tokens } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  const known = Object.keys(options).map((name) => `--${name}`);
  const found: string[] = [];
  for (const token of tokens) {
    if (token.kind !== 'option' || Object.hasOwn(options, token.name)) continue;
    const near = token.rawName.startsWith('--') ? didYouMean(token.rawName, known) : undefined;
    const shown = near === undefined ? token.rawName : `${token.rawName} (did you mean ${near}?)`;
    if (!found.includes(shown)) found.push(shown);
  }
  return found;
}

function parseArgsProblem(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) return `unknown option ${quoted}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted !== undefined) {
    return message.includes('argument missing') ? `${quoted} needs a value` : `${quoted}: ${firstSentence(message)}`;
  }
  return firstSentence(message);
}

function firstSentence(message: string): string {
  const end = message.indexOf('. ');
  return end < 0 ? message : message.slice(0, end);
}

/** A flag that must be a non-negative integer, or `fallback` when absent. */
export function integerFlag(flags: FlagValues, name: string, fallback: number, command: string): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(`${command}: --${name} must be a non-negative integer, got ${JSON.stringify(raw)}`, command);
  }
  return value;
}

/** A string flag, or undefined. */
export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const raw = flags[name];
  return typeof raw === 'string' ? raw : undefined;
}
