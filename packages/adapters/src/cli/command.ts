/** One `sluice` command: its help and what it does; `run` resolves with the exit code. */
export interface Command {
  readonly name: string;
  /** The full `--help` text. */
  readonly usage: string;
  run(argv: readonly string[]): Promise<number>;
}
