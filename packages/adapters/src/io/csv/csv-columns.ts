/** A built-in column type of a CSV source. */
export type CsvColumnType = 'string' | 'number' | 'integer' | 'boolean' | 'date';

/**
 * How a CSV column is read: a built-in type, or a function of the raw field text (after
 * unquoting) that returns the value or throws to send the row to the error lane.
 */
export type CsvColumn = CsvColumnType | ((raw: string) => unknown);

/** Typed columns by header name. */
export type CsvColumns = Readonly<Record<string, CsvColumn>>;

/** The value a column spec gives. */
export type CsvValue<TColumn> = TColumn extends 'string'
  ? string
  : TColumn extends 'number' | 'integer'
    ? number
    : TColumn extends 'boolean'
      ? boolean
      : TColumn extends 'date'
        ? Date
        : TColumn extends (raw: string) => infer TValue
          ? TValue
          : never;

/** The record a CSV source with typed `columns` emits: exactly those columns. */
export type CsvRow<TColumns extends CsvColumns> = {
  -readonly [K in keyof TColumns]: CsvValue<TColumns[K]>;
};

/** A converter of raw text; throws a CsvValueError (or anything) when the text does not fit. */
export type CsvConvert = (raw: string) => unknown;

/** A field whose text does not parse as its column type. */
export class CsvValueError extends Error {
  override readonly name = 'CsvValueError';
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
/** ISO 8601 date or date-time; without an offset it is read as UTC, so runs do not depend on TZ. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function notA(what: string, raw: string): CsvValueError {
  return new CsvValueError(`${JSON.stringify(raw)} is not ${what}`);
}

// Numbers, booleans and dates ignore surrounding spaces; strings are kept as written.
const BUILT_IN: Readonly<Record<CsvColumnType, CsvConvert>> = {
  string: (raw) => raw,
  number: (raw) => {
    const text = raw.trim();
    if (!DECIMAL.test(text)) throw notA('a number', raw);
    return Number(text);
  },
  integer: (raw) => {
    const text = raw.trim();
    const value = Number(text);
    if (!INTEGER.test(text) || !Number.isSafeInteger(value)) throw notA('an integer', raw);
    return value;
  },
  boolean: (raw) => {
    const text = raw.trim().toLowerCase();
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    throw notA('a boolean (true, false, 1 or 0)', raw);
  },
  date: (raw) => {
    const text = raw.trim();
    const match = ISO_DATE.exec(text);
    if (match === null) throw notA('an ISO 8601 date', raw);
    const iso = text.replace(' ', 'T');
    const value = new Date(text.length > 10 && match[1] === undefined ? `${iso}Z` : iso);
    if (Number.isNaN(value.getTime())) throw notA('an ISO 8601 date', raw);
    return value;
  },
};

/** The converter of a column spec; throws a TypeError for an unknown type name. */
export function converterOf(name: string, column: CsvColumn): CsvConvert {
  if (typeof column === 'function') return column;
  const convert = (BUILT_IN as Partial<Record<string, CsvConvert>>)[column];
  if (convert === undefined) {
    throw new TypeError(`column ${JSON.stringify(name)}: unknown type ${JSON.stringify(column)}`);
  }
  return convert;
}
