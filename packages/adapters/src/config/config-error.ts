import { ErrorCode, SluiceError } from '@sluice/core';

/**
 * The error for a bad configuration value or an unknown key: a SluiceError with code CONFIG
 * whose message starts with where the value came from (`sluice.config.json: "batchSize"`,
 * `SLUICE_BATCH_SIZE`, `--batch-size`, `run option "batchSize"`).
 */
export function configError(where: string, problem: string): SluiceError {
  return new SluiceError(ErrorCode.Config, `${where} ${problem}`);
}

/** Shows a raw configuration value in an error message. */
export function showValue(raw: unknown): string {
  switch (typeof raw) {
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'bigint':
    case 'symbol':
      return raw.toString();
    default:
      try {
        return JSON.stringify(raw);
      } catch {
        return Object.prototype.toString.call(raw);
      }
  }
}
