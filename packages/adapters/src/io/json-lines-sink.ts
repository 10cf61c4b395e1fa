import type { FileHandle } from 'node:fs/promises';
import { InvalidStateError, type SinkHandler, type SinkWriter } from '@sluice/core';
import { formatLines, toJsonLine } from './format-lines.ts';
import { openSinkFile, type JsonLinesSinkPosition } from './sink-file.ts';

export type { JsonLinesSinkPosition } from './sink-file.ts';

/** Options of {@link jsonLinesSink}. */
export interface JsonLinesSinkOptions {
  /** fdatasync every batch before its position is returned (default true). */
  readonly sync?: boolean;
}

/**
 * A sink that appends each value as one JSON line to a file, exactly once. The file belongs
 * to the sink: on open it is cut back to the committed length (a first run starts it empty),
 * which removes whatever was written after the last commit, so a batch written again after a
 * crash is not duplicated; a file shorter than committed throws a JournalCorruptError. Parent
 * directories are created. `write` serializes the whole batch first (a value that cannot be
 * serialized throws a TerminalError naming its index, and nothing is written), writes it with
 * one call at the committed end, and makes it durable before returning the new position.
 */
export function jsonLinesSink<T>(
  path: string,
  options: JsonLinesSinkOptions = {},
): SinkHandler<T, JsonLinesSinkPosition> {
  const sync = options.sync ?? true;
  return {
    async open(position, context): Promise<SinkWriter<T, JsonLinesSinkPosition>> {
      const start = position ?? { bytes: 0, lines: 0 };
      const file = await openSinkFile(path, start, { stage: context.stage, sync });
      return new JsonLinesWriter<T>(path, file, start, sync);
    },
  };
}

/** Writer states: a failed write leaves bytes of unknown extent, so only a reopen recovers. */
type WriterState = 'open' | 'failed' | 'closed';

class JsonLinesWriter<T> implements SinkWriter<T, JsonLinesSinkPosition> {
  readonly #path: string;
  readonly #file: FileHandle;
  readonly #sync: boolean;
  #position: JsonLinesSinkPosition;
  #state: WriterState = 'open';

  constructor(path: string, file: FileHandle, start: JsonLinesSinkPosition, sync: boolean) {
    this.#path = path;
    this.#file = file;
    this.#position = start;
    this.#sync = sync;
  }

  async write(values: readonly T[]): Promise<JsonLinesSinkPosition> {
    if (this.#state !== 'open') {
      throw new InvalidStateError(`jsonLinesSink(${this.#path}): write() in state ${this.#state}`);
    }
    if (values.length === 0) return this.#position;
    const label = `jsonLinesSink(${this.#path})`;
    const data = Buffer.from(formatLines(values, toJsonLine, label), 'utf8');
    this.#state = 'failed';
    await this.#writeAll(data, this.#position.bytes);
    if (this.#sync) await this.#file.datasync();
    this.#state = 'open';
    this.#position = {
      bytes: this.#position.bytes + data.length,
      lines: this.#position.lines + values.length,
    };
    return this.#position;
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await this.#file.close();
  }

  async #writeAll(data: Buffer, at: number): Promise<void> {
    let written = 0;
    while (written < data.length) {
      const result = await this.#file.write(data, written, data.length - written, at + written);
      written += result.bytesWritten;
    }
  }
}
