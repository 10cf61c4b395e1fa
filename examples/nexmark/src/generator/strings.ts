import type { Random } from './prng.ts';

const MIN_STRING_LENGTH = 3;

/** Flink's generator cuts every `extra` out of one 1 MiB random string instead of drawing each character. */
export const EXTRA_SOURCE_LENGTH = 1024 * 1024;

const A = 'a'.charCodeAt(0);

/** A random lower-case string of 3 to `maxLength - 1` characters, about 1 in 13 being `special`; trimmed. */
export function nextString(random: Random, maxLength: number, special = ' '): string {
  let len = MIN_STRING_LENGTH + random.nextInt(maxLength - MIN_STRING_LENGTH);
  let out = '';
  while (len-- > 0) out += random.nextInt(13) === 0 ? special : String.fromCharCode(A + random.nextInt(26));
  return out.trim();
}

/** A random lower-case string of exactly `length` characters, drawn one by one. */
export function randomLetters(random: Random, length: number): string {
  const codes = new Array<number>(length);
  for (let i = 0; i < length; i++) codes[i] = A + random.nextInt(26);
  // In chunks: String.fromCharCode takes its characters as arguments.
  let out = '';
  for (let i = 0; i < length; i += 8192) out += String.fromCharCode(...codes.slice(i, i + 8192));
  return out;
}

/** Random strings of exact lengths, cut out of one long random string (StringsGenerator.nextExactString). */
export class ExtraStrings {
  private readonly source: string;

  /** Draws the long string from `random` once. */
  constructor(random: Random) {
    this.source = randomLetters(random, EXTRA_SOURCE_LENGTH);
  }

  /** A string of exactly `length` (< half the long string) at a random offset. */
  exact(random: Random, length: number): string {
    const offset = random.nextInt(this.source.length - length);
    return this.source.substring(offset, offset + length);
  }

  /** A string such that `currentSize` plus its length is `averageSize` on average (±20 %). */
  extra(random: Random, currentSize: number, averageSize: number): string {
    if (currentSize > averageSize) return '';
    const wanted = averageSize - currentSize;
    const delta = Math.round(wanted * 0.2);
    const size = wanted - delta + (delta === 0 ? 0 : random.nextInt(2 * delta));
    return this.exact(random, size);
  }
}

/** A log-uniform price in cents between 1.00 and 1,000,000.00 (PriceGenerator). */
export function nextPrice(random: Random): number {
  return Math.round(Math.pow(10, random.nextDouble() * 6) * 100);
}
