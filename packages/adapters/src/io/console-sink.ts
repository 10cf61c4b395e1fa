import type { SinkHandler, SinkWriter } from '@sluice/core';
import { formatLines, toJsonLine, type LineFormat } from './format-lines.ts';

/** Options of {@link consoleSink}. */
export interface ConsoleSinkOptions<T> {
  /** Where lines go; standard output by default. */
  readonly stream?: NodeJS.WritableStream;
  /** One value to one line; JSON by default. */
  readonly format?: LineFormat<T>;
}

/**
 * A sink that writes one line per value to a stream (standard output by default), JSON
 * unless `format` says otherwise. At-least-once: after a crash the last uncommitted batch is
 * written again. The position is the count of values written. `write` resolves once the
 * stream has taken the batch (its callback), which gives backpressure; a value that cannot
 * be formatted throws a TerminalError naming its index, before anything of the batch is written.
 */
export function consoleSink<T>(options: ConsoleSinkOptions<T> = {}): SinkHandler<T, number> {
  const format: LineFormat<T> = options.format ?? toJsonLine;
  return {
    open(position: number | undefined): SinkWriter<T, number> {
      const stream = options.stream ?? process.stdout;
      let count = position ?? 0;
      return {
        async write(values: readonly T[]): Promise<number> {
          if (values.length === 0) return count;
          await writeText(stream, formatLines(values, format, 'consoleSink'));
          count += values.length;
          return count;
        },
      };
    },
  };
}

function writeText(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error?: Error | null) => {
      if (error) reject(error);
      else resolve();
    });
  });
}
