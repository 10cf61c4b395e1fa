/**
 * Parses a raw configuration value. `text` is true when it came as a string from an environment
 * variable or a command-line flag, which may then be converted ("50" → 50); values from a file
 * or from code must already have the right JSON type. Throws a {@link ValueProblem}.
 */
export type Parser<T> = (raw: unknown, text: boolean) => T;

/** What is wrong with a value: the text after "must" in the error message. */
export class ValueProblem extends Error {}

/** An integer in `[min, max]`, described as `what` ("a positive integer"). */
export function integer(min: number, max: number, what: string): Parser<number> {
  return (raw, text) => {
    const value = text && typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new ValueProblem(`must be ${what}`);
    }
    return value;
  };
}

/** A positive integer. */
export const positiveInteger: Parser<number> = integer(1, Number.MAX_SAFE_INTEGER, 'a positive integer');

/** A non-negative integer. */
export const nonNegativeInteger: Parser<number> = integer(0, Number.MAX_SAFE_INTEGER, 'a non-negative integer');

/** A finite number above 0 (`0.5` allowed). */
export const positiveNumber: Parser<number> = (raw, text) => {
  const value = text && typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ValueProblem('must be a positive number');
  return value;
};

/** A TCP port; 0 picks a free one. */
export const port: Parser<number> = integer(0, 65535, 'a port number (0-65535)');

/** A TCP port or `"off"`. */
export const portOrOff: Parser<number | 'off'> = (raw, text) => {
  if (raw === 'off' || raw === false) return 'off';
  try {
    return port(raw, text);
  } catch {
    throw new ValueProblem('must be a port number (0-65535) or "off"');
  }
};

const TRUE_TEXT = new Set(['true', '1', 'yes', 'on']);
const FALSE_TEXT = new Set(['false', '0', 'no', 'off']);

/** A boolean; from text: true/false, 1/0, yes/no, on/off. */
export const boolean: Parser<boolean> = (raw, text) => {
  if (typeof raw === 'boolean') return raw;
  if (text && typeof raw === 'string') {
    const lower = raw.trim().toLowerCase();
    if (TRUE_TEXT.has(lower)) return true;
    if (FALSE_TEXT.has(lower)) return false;
  }
  throw new ValueProblem('must be true or false');
};

/** A non-empty string. */
export const nonEmptyString: Parser<string> = (raw) => {
  if (typeof raw !== 'string' || raw.trim() === '') throw new ValueProblem('must be a non-empty string');
  return raw;
};

/** One of `choices`. */
export function oneOf<const T extends string>(choices: readonly T[]): Parser<T> {
  return (raw) => {
    if (typeof raw === 'string' && (choices as readonly string[]).includes(raw)) return raw as T;
    throw new ValueProblem(`must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
  };
}
