/** A body that cannot be ingested: the reason and, where known, its line (1-based) or array index. */
export interface BodyProblem {
  readonly error: string;
  readonly line?: number;
  readonly index?: number;
}

/** The records of a body, or why it is refused: all of a request or none of it. */
export type ParsedBody<T> = { readonly records: readonly T[] } | { readonly problem: BodyProblem };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses an ingest body: NDJSON (one JSON value per line, blank lines skipped) when `ndjson`,
 * else one JSON value, an array being its elements. `validate` maps each value to the record
 * to append and throws to refuse it. The first problem refuses the whole body.
 */
export function parseBody<T>(bytes: Buffer, ndjson: boolean, validate: (value: unknown) => T): ParsedBody<T> {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { problem: { error: 'the body is not valid UTF-8' } };
  }
  const parsed = ndjson ? parseLines(text, validate) : parseJson(text, validate);
  if ('records' in parsed && parsed.records.length === 0) return { problem: { error: 'the body holds no records' } };
  return parsed;
}

function parseLines<T>(text: string, validate: (value: unknown) => T): ParsedBody<T> {
  const records: T[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    try {
      records.push(validate(JSON.parse(line)));
    } catch (error) {
      return { problem: { error: `line ${i + 1}: ${reason(error)}`, line: i + 1 } };
    }
  }
  return { records };
}

function parseJson<T>(text: string, validate: (value: unknown) => T): ParsedBody<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const line = lineOf(text, error);
    return { problem: { error: line === undefined ? reason(error) : `line ${line}: ${reason(error)}`, ...(line === undefined ? {} : { line }) } };
  }
  const values: readonly unknown[] = Array.isArray(value) ? value : [value];
  const records: T[] = [];
  for (const [index, item] of values.entries()) {
    try {
      records.push(validate(item));
    } catch (error) {
      const where = Array.isArray(value) ? { index } : {};
      return { problem: { error: Array.isArray(value) ? `record ${index}: ${reason(error)}` : reason(error), ...where } };
    }
  }
  return { records };
}

/** The line of a JSON.parse error, from the position its message names (V8: "at position N"). */
function lineOf(text: string, error: unknown): number | undefined {
  const match = /position (\d+)/.exec(reason(error));
  if (match?.[1] === undefined) return undefined;
  const position = Number(match[1]);
  let line = 1;
  for (let i = 0; i < position && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
