import { Writable } from 'node:stream';
import type { FlowStatus, PipelineHandle } from '@sluice/runtime';
import { describeCounts, handledCount } from './stage-counts.ts';
import { count, duration, formatTable } from './table.ts';

/** Options of {@link ProgressDisplay}. */
export interface ProgressOptions {
  /** The terminal the progress block is drawn on. */
  readonly out: NodeJS.WriteStream;
  /** Where log lines go; they are written above the block. */
  readonly log: NodeJS.WritableStream;
  /** Redraw interval (default 500 ms). */
  readonly everyMs?: number;
}

/**
 * Live progress on a terminal: every `everyMs` it redraws, in place, one line per stage with its
 * state, counts, records per second since the last redraw and input lag (from
 * `handle.status()`). Log lines written to {@link logStream} are printed above the block
 * instead of through it.
 */
export class ProgressDisplay {
  readonly #out: NodeJS.WriteStream;
  readonly #log: NodeJS.WritableStream;
  readonly #everyMs: number;
  #lines: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #last = new Map<string, { handled: number; at: number }>();

  constructor(options: ProgressOptions) {
    this.#out = options.out;
    this.#log = options.log;
    this.#everyMs = options.everyMs ?? 500;
  }

  /** A stream for the logger: each write clears the block, prints the line, redraws. */
  get logStream(): Writable {
    return new Writable({
      write: (chunk: Buffer | string, _encoding, done) => {
        this.#erase();
        this.#log.write(chunk);
        this.#draw();
        done();
      },
    });
  }

  /** Prints a line above the block. */
  print(line: string): void {
    this.#erase();
    this.#out.write(`${line}\n`);
    this.#draw();
  }

  /** Starts redrawing from `handle.status()`. */
  start(handle: PipelineHandle): void {
    const tick = (): void => {
      if (this.#busy) return;
      this.#busy = true;
      handle
        .status()
        .then((status) => this.#render(status))
        .catch(() => undefined)
        .finally(() => {
          this.#busy = false;
        });
    };
    this.#timer = setInterval(tick, this.#everyMs);
    tick();
  }

  /** Stops redrawing and erases the block, leaving the terminal for the summary. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#erase();
    this.#lines = [];
  }

  #render(status: FlowStatus): void {
    if (this.#timer === undefined) return;
    const now = Date.now();
    const rows = [['stage', 'state', 'records', 'errors', 'records/s', 'lag']];
    for (const stage of status.stages) {
      const handled = handledCount(stage.kind, stage);
      const last = this.#last.get(stage.name);
      const rate = last === undefined || now <= last.at ? 0 : ((handled - last.handled) * 1000) / (now - last.at);
      this.#last.set(stage.name, { handled, at: now });
      const lag = stage.inputs.reduce((sum, edge) => sum + edge.lag, 0);
      const stalled = stage.inputs.some((edge) => edge.stalled) ? ' stalled' : '';
      const lagText = stage.inputs.length === 0 ? '-' : `${count(lag)}${stalled}`;
      rows.push([stage.name, stage.state, describeCounts(stage.kind, stage), count(stage.errors), count(rate), lagText]);
    }
    const header = `flow "${status.flow}" ${status.state} for ${duration(status.uptimeMs)}`;
    const align = ['left', 'left', 'left', 'right', 'right', 'right'] as const;
    this.#erase();
    this.#lines = [header, ...formatTable(rows, align).map((line) => `  ${line}`)];
    this.#draw();
  }

  #draw(): void {
    if (this.#lines.length === 0) return;
    const width = Math.max((this.#out.columns || 80) - 1, 20);
    this.#out.write(`${this.#lines.map((line) => line.slice(0, width)).join('\n')}\n`);
  }

  #erase(): void {
    if (this.#lines.length > 0) this.#out.write(`\x1b[${this.#lines.length}F\x1b[J`);
  }
}
