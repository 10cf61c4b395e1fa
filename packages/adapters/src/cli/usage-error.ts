/** A command line that cannot be run as written: the CLI prints one line and exits with 2. */
export class UsageError extends Error {
  /** The command whose `--help` the hint points to (undefined for the root). */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}
