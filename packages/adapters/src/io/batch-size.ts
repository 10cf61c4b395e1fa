import { ErrorCode, TerminalError } from '@sluice/core';

/** Throws unless `max` is a usable batch size (at least 1); `label` names the caller. */
export function assertBatchSize(max: number, label: string): void {
  if (!(max >= 1)) {
    throw new TerminalError(ErrorCode.Config, `${label}: read(max) needs max >= 1, got ${max}`);
  }
}
