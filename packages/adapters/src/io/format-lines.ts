import { errorMessage, ErrorCode, TerminalError } from '@sluice/core';

/** Serializes a value to one line of text (without the newline). */
export type LineFormat<T> = (value: T) => string;

/** JSON, one value per line; JSON.stringify never emits a raw newline. */
export function toJsonLine(value: unknown): string {
  // JSON.stringify is typed as string, but gives undefined for undefined and functions.
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`JSON.stringify gave nothing for ${typeof value}`);
  return text;
}

/**
 * Formats a whole batch into one string, each value on its own line ending in `\n`, before
 * anything is written. Throws a TerminalError naming the index of a value that cannot be
 * formatted (`label` names the sink).
 */
export function formatLines<T>(values: readonly T[], format: LineFormat<T>, label: string): string {
  let text = '';
  for (let index = 0; index < values.length; index += 1) {
    try {
      text += format(values[index] as T) + '\n';
    } catch (cause) {
      const message = `${label}: value at index ${index} cannot be serialized: ${errorMessage(cause)}`;
      throw new TerminalError(ErrorCode.MalformedInput, message, { cause });
    }
  }
  return text;
}
