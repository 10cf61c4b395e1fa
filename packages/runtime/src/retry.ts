import { RetryableError, TerminalError, type RetryPolicy } from '@sluice/core';

/**
 * How long to wait before attempt `attempt + 1` of a handler call that threw `error`, or
 * undefined when the record should go to the error lane now. Policy reads the error's class,
 * never its message.
 */
export function retryDelay(policy: RetryPolicy | undefined, error: unknown, attempt: number): number | undefined {
  if (policy === undefined || attempt >= (policy.maxAttempts ?? 3)) return undefined;
  if (error instanceof TerminalError) return undefined;
  if (error instanceof RetryableError) return error.retryAfterMs;
  return (policy.backoffMs ?? 100) * 2 ** (attempt - 1);
}
