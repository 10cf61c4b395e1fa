import type { NexmarkEvent } from '../model.ts';
import { nextAuction } from './auction.ts';
import { Channels, nextBid } from './bid.ts';
import { DEFAULT_CONFIG, NEXMARK, timestampForEvent, type GeneratorConfig } from './config.ts';
import { nextPerson } from './person.ts';
import { Random } from './prng.ts';
import { ExtraStrings } from './strings.ts';

/** Seed offset of the stream that draws the fixed tables (extra text, channel URLs), apart from the events'. */
const TABLES_SEED_OFFSET = 0x5eed;

/**
 * Generates `count` NEXMark events in order (NexmarkGenerator with one generator and no
 * out-of-order groups): event n is a person, an auction or a bid by `n % 50` (1 : 3 : 46), at
 * event time `baseTime + n × 1e6/rate µs`, so times never decrease. Deterministic: the same
 * configuration gives the same events.
 */
export function* generateEvents(count: number, config: GeneratorConfig = DEFAULT_CONFIG): Generator<NexmarkEvent> {
  const tablesRandom = new Random(config.seed + TABLES_SEED_OFFSET);
  const extras = new ExtraStrings(tablesRandom);
  const tables = { extras, channels: new Channels(tablesRandom) };
  const random = new Random(config.seed);
  for (let n = 0; n < count; n++) {
    // One generator starting at event 0: the event id is the event number.
    const eventId = n;
    const timestamp = timestampForEvent(config, n);
    const rem = eventId % NEXMARK.totalProportion;
    if (rem < NEXMARK.personProportion) {
      yield { person: nextPerson(eventId, random, timestamp, extras) };
    } else if (rem < NEXMARK.personProportion + NEXMARK.auctionProportion) {
      yield { auction: nextAuction({ eventNumber: n, eventId, timestamp, random, extras, config }) };
    } else {
      yield { bid: nextBid(eventId, random, timestamp, tables) };
    }
  }
}
