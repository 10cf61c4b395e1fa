import { ErrorCode, SluiceError } from '@sluice/core';

/**
 * The CONFIG error of a configuration with problems: one line per problem, each starting with
 * where the value was written. One problem is the whole message; several are listed under
 * `N configuration problems:`, indented, in the order file, environment, flags, code.
 */
export class ConfigError extends SluiceError {
  /** Every problem, one line each. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const message =
      problems.length === 1 ? (problems[0] ?? '') : [`${problems.length} configuration problems:`, ...problems.map((p) => `  ${p}`)].join('\n');
    super(ErrorCode.Config, message);
    this.problems = problems;
  }
}

/** Collects the problems of one resolution, so that all are reported together. */
export class ConfigProblems {
  private readonly lines: string[] = [];
  private readonly failed = new Set<string>();

  /** Adds a problem: `where` names the source and key, `problem` what is wrong. `key` marks a setting as unusable. */
  add(where: string, problem: string, key?: string): void {
    this.lines.push(`${where} ${problem}`);
    if (key !== undefined) this.failed.add(key);
  }

  /** Whether a problem was reported for the setting `key`. */
  hasFailed(key: string): boolean {
    return this.failed.has(key);
  }

  /** Throws a {@link ConfigError} holding every problem, if there is any. */
  throwIfAny(): void {
    if (this.lines.length > 0) throw new ConfigError([...this.lines]);
  }
}

/** `(did you mean X?)` when there is a suggestion, else `otherwise`. */
export function suggestion(near: string | undefined, otherwise: string): string {
  return near === undefined ? otherwise : `(did you mean ${near}?)`;
}
