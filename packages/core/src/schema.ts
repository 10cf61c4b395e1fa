/**
 * The Standard Schema v1 interface (https://standardschema.dev), so that zod, valibot, arktype
 * and any other conforming library plug into `validate` as they are.
 *
 * The types are copied rather than imported from `@standard-schema/spec`, as the spec invites:
 * core keeps no dependencies, and the interface is structural, so a library's schema matches it
 * without knowing of Sluice. The names are flat (`StandardSchemaIssue` for the spec's
 * `StandardSchemaV1.Issue`) because this codebase uses no namespaces.
 */
import { ErrorCode, TerminalError, type ErrorContext } from './errors.ts';

/** A Standard Schema v1: any object whose `~standard` property follows the spec. */
export interface StandardSchemaV1<TInput = unknown, TOutput = TInput> {
  /** The Standard Schema properties. */
  readonly '~standard': StandardSchemaProps<TInput, TOutput>;
}

/** The `~standard` property of a Standard Schema. */
export interface StandardSchemaProps<TInput = unknown, TOutput = TInput> {
  /** The version of the spec: 1. */
  readonly version: 1;
  /** The schema library's name. */
  readonly vendor: string;
  /** Validates an unknown value: the output value, or the issues; sync or async. */
  readonly validate: (value: unknown) => StandardSchemaResult<TOutput> | Promise<StandardSchemaResult<TOutput>>;
  /** The schema's input and output types, for inference only. */
  readonly types?: StandardSchemaTypes<TInput, TOutput> | undefined;
}

/** What `validate` returns: the output value, or the issues. */
export type StandardSchemaResult<TOutput> =
  | { readonly value: TOutput; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaIssue[] };

/** One reason a value is invalid: a message and where in the value. */
export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | StandardSchemaPathSegment)[] | undefined;
}

/** A path segment given as an object (some libraries' form). */
export interface StandardSchemaPathSegment {
  readonly key: PropertyKey;
}

/** The schema's types, carried for inference. */
export interface StandardSchemaTypes<TInput = unknown, TOutput = TInput> {
  readonly input: TInput;
  readonly output: TOutput;
}

/** The input type of a schema (the spec's `StandardSchemaV1.InferInput`). */
export type InferSchemaInput<TSchema extends StandardSchemaV1> = NonNullable<TSchema['~standard']['types']>['input'];

/** The output type of a schema (the spec's `StandardSchemaV1.InferOutput`): what `validate` emits. */
export type InferSchemaOutput<TSchema extends StandardSchemaV1> = NonNullable<TSchema['~standard']['types']>['output'];

/**
 * An issue as it is stored in an error-lane record: the message and the path as plain keys
 * (segment objects unwrapped, symbols as their description), so it survives any encoding.
 */
export interface RecordIssue {
  readonly message: string;
  /** Keys from the root of the value; empty for the value itself. Numbers are array indices. */
  readonly path: readonly (string | number)[];
}

/** True for an object that carries a Standard Schema v1 `~standard` property. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if (typeof value !== 'object' && typeof value !== 'function') return false;
  if (value === null) return false;
  const props = (value as { readonly '~standard'?: Partial<StandardSchemaProps> })['~standard'];
  return props?.version === 1 && typeof props.validate === 'function';
}

const plainKey = (key: PropertyKey): string | number => (typeof key === 'symbol' ? key.toString() : key);

/** A schema's issue as stored: plain keys, no vendor extras. */
export function recordIssue(issue: StandardSchemaIssue): RecordIssue {
  const path = (issue.path ?? []).map((segment) =>
    plainKey(typeof segment === 'object' ? segment.key : segment),
  );
  return { message: issue.message, path };
}

/** A path as people read it: keys joined with `.`, array indices as `[i]`, `(root)` when empty. */
export function formatIssuePath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  let text = '';
  for (const key of path) {
    text += typeof key === 'number' ? `[${String(key)}]` : text === '' ? key : `.${key}`;
  }
  return text;
}

/** The issues as one line: `path: message`, separated by `; `. */
export function formatIssues(issues: readonly RecordIssue[]): string {
  return issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`).join('; ');
}

/**
 * A record its schema rejected: MALFORMED_INPUT (terminal, never retried), with the issues;
 * the error lane stores them beside the message.
 */
export class SchemaValidationError extends TerminalError {
  readonly issues: readonly RecordIssue[];

  constructor(issues: readonly RecordIssue[], context: ErrorContext = {}) {
    super(ErrorCode.MalformedInput, `invalid record: ${formatIssues(issues)}`, context);
    this.issues = issues;
  }
}
