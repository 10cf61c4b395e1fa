import type { Bid } from '../model.ts';
import { NEXMARK } from './config.ts';
import { lastBase0AuctionId, lastBase0PersonId, nextBase0AuctionId, nextBase0PersonId } from './ids.ts';
import type { Random } from './prng.ts';
import { nextPrice, nextString, type ExtraStrings } from './strings.ts';

const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'] as const;
const CHANNELS_NUMBER = 10_000;

/** The channels and their URLs: 4 hot ones and 10,000 others, drawn once per seed (BidGenerator's static tables). */
export class Channels {
  private readonly hotUrls: readonly string[];
  private readonly cache: readonly (readonly [string, string])[];

  /** Draws the tables from `random`. */
  constructor(random: Random) {
    this.hotUrls = HOT_CHANNELS.map(() => baseUrl(random));
    const cache: (readonly [string, string])[] = [];
    for (let i = 0; i < CHANNELS_NUMBER; i++) {
      let url = baseUrl(random);
      if (random.nextInt(10) > 0) url += `&channel_id=${String(javaAbs(reverseBits(i)))}`;
      cache.push([`channel-${String(i)}`, url]);
    }
    this.cache = cache;
  }

  /** A channel and its URL: a hot one half of the time, else one of the 10,000. */
  next(random: Random): readonly [string, string] {
    if (random.nextInt(2) > 0) {
      const i = random.nextInt(HOT_CHANNELS.length);
      return [HOT_CHANNELS[i] ?? '', this.hotUrls[i] ?? ''];
    }
    return this.cache[random.nextInt(CHANNELS_NUMBER)] ?? ['', ''];
  }
}

function baseUrl(random: Random): string {
  const part = (): string => nextString(random, 5, '_');
  return `https://www.nexmark.com/${part()}/${part()}/${part()}/item.htm?query=1`;
}

/** Java's Integer.reverse: the 32 bits in reverse order, as a signed int. */
function reverseBits(value: number): number {
  let v = value >>> 0;
  let out = 0;
  for (let i = 0; i < 32; i++) {
    out = (out << 1) | (v & 1);
    v >>>= 1;
  }
  return out | 0;
}

/** Java's Math.abs on an int, which leaves Integer.MIN_VALUE as it is. */
function javaAbs(value: number): number {
  return value === -2147483648 ? value : Math.abs(value);
}

/**
 * The bid of event `eventId` (BidGenerator.nextBid, same draws in the same order). Flink's
 * version adds FIRST_PERSON_ID to the bidder twice, so its bidders match no person; this one
 * adds it once, as Beam's does.
 */
export function nextBid(eventId: number, random: Random, timestamp: number, tables: { readonly extras: ExtraStrings; readonly channels: Channels }): Bid {
  // P(hot auction) = 1 - 1/hotAuctionRatio: the first auction of the latest batch of 100.
  const auction =
    (random.nextInt(NEXMARK.hotAuctionRatio) > 0
      ? Math.floor(lastBase0AuctionId(eventId) / NEXMARK.hotBatch) * NEXMARK.hotBatch
      : nextBase0AuctionId(eventId, random)) + NEXMARK.firstAuctionId;
  // Hot bidders are the second person of a batch, so they are not the hot sellers.
  const bidder =
    (random.nextInt(NEXMARK.hotBiddersRatio) > 0
      ? Math.floor(lastBase0PersonId(eventId) / NEXMARK.hotBatch) * NEXMARK.hotBatch + 1
      : nextBase0PersonId(eventId, random)) + NEXMARK.firstPersonId;
  const price = nextPrice(random);
  const [channel, url] = tables.channels.next(random);
  const extra = tables.extras.extra(random, 8 + 8 + 8 + 8, NEXMARK.avgBidByteSize);
  return { auction, bidder, price, channel, url, dateTime: timestamp, extra };
}
