/** One line a command wrote, without its line break. */
export interface CommandLine {
  readonly type: 'line';
  /** Which of the process's outputs the line came from. */
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

/** How a command ended: the last record of its input. */
export interface CommandExit {
  readonly type: 'exit';
  /** The exit code; null when a signal ended the process. */
  readonly code: number | null;
  /** The signal that ended the process (`SIGTERM`, `SIGKILL`…); null when it exited. */
  readonly signal: string | null;
  /** From spawn to the end of its output, on the run's clock. */
  readonly durationMs: number;
  /** True when the stage's `timeoutMs` ran out and the process group was killed. */
  readonly timedOut: boolean;
  /** True when the stage was cancelled (a stop with mode `'cancel'`) and the process group was killed. */
  readonly cancelled: boolean;
  /** Present when output beyond `maxOutputBytes` was dropped. */
  readonly truncated?: true;
  /** Bytes of output dropped, with `truncated`. */
  readonly droppedBytes?: number;
}

/**
 * What a command stage emits per input, in order and committed together: one `line` record per
 * line of stdout or stderr (interleaved as they arrived), then one `exit` record.
 */
export type CommandRecord = CommandLine | CommandExit;

/**
 * Splits a process's output into lines as it arrives, keeping at most `maxBytes` of it (whole
 * lines, counted with their line breaks); what comes after is dropped and counted.
 */
export class OutputCollector {
  readonly lines: CommandLine[] = [];
  droppedBytes = 0;
  private kept = 0;
  private readonly partial = { stdout: '', stderr: '' };
  private readonly decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };

  constructor(private readonly maxBytes: number) {}

  /** Takes a chunk of `stream`. */
  push(stream: CommandLine['stream'], chunk: Buffer): void {
    if (this.droppedBytes > 0) {
      // Once output is cut, everything after is dropped: the kept lines are a prefix.
      this.droppedBytes += chunk.length;
      return;
    }
    const text = this.partial[stream] + this.decoders[stream].decode(chunk, { stream: true });
    const parts = text.split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const line of parts) this.keep(stream, line, Buffer.byteLength(line) + 1);
    // A line with no end in sight must not grow without bound either.
    const pending = Buffer.byteLength(this.partial[stream]);
    if (this.kept + pending > this.maxBytes) {
      this.droppedBytes += pending;
      this.partial[stream] = '';
    }
  }

  /** Takes the end of `stream`: its last line, if it had no line break. */
  end(stream: CommandLine['stream']): void {
    const rest = this.partial[stream] + this.decoders[stream].decode();
    this.partial[stream] = '';
    if (rest !== '') this.keep(stream, rest, Buffer.byteLength(rest));
  }

  private keep(stream: CommandLine['stream'], line: string, bytes: number): void {
    if (this.droppedBytes > 0 || this.kept + bytes > this.maxBytes) {
      this.droppedBytes += bytes;
      return;
    }
    this.kept += bytes;
    this.lines.push({ type: 'line', stream, line: line.endsWith('\r') ? line.slice(0, -1) : line });
  }

  /** The last `n` lines of stderr, for an error message. */
  lastStderr(n: number): string[] {
    return this.lines.filter((l) => l.stream === 'stderr').slice(-n).map((l) => l.line);
  }
}
