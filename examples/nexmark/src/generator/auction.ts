import type { Auction } from '../model.ts';
import { NEXMARK, timestampForEvent, type GeneratorConfig } from './config.ts';
import { lastBase0AuctionId, lastBase0PersonId, nextBase0PersonId } from './ids.ts';
import type { Random } from './prng.ts';
import { nextPrice, nextString, type ExtraStrings } from './strings.ts';

/** Events until `numInFlightAuctions` more auctions have been generated. */
const EVENTS_FOR_AUCTIONS = Math.floor((NEXMARK.numInFlightAuctions * NEXMARK.totalProportion) / NEXMARK.auctionProportion);

/** What an auction is made from: its event number and id, its time, the random stream. */
export interface AuctionInput {
  readonly eventNumber: number;
  readonly eventId: number;
  readonly timestamp: number;
  readonly random: Random;
  readonly extras: ExtraStrings;
  readonly config: GeneratorConfig;
}

/** The auction of event `eventId` (AuctionGenerator.nextAuction, same draws in the same order). */
export function nextAuction(input: AuctionInput): Auction {
  const { eventId, random, timestamp } = input;
  const id = lastBase0AuctionId(eventId) + NEXMARK.firstAuctionId;
  // P(hot seller) = 1 - 1/hotSellersRatio: the first person of the latest batch of 100.
  const seller =
    (random.nextInt(NEXMARK.hotSellersRatio) > 0
      ? Math.floor(lastBase0PersonId(eventId) / NEXMARK.hotBatch) * NEXMARK.hotBatch
      : nextBase0PersonId(eventId, random)) + NEXMARK.firstPersonId;
  const category = NEXMARK.firstCategoryId + random.nextInt(NEXMARK.numCategories);
  const initialBid = nextPrice(random);
  const expires = timestamp + nextAuctionLengthMs(input);
  const itemName = nextString(random, 20);
  const description = nextString(random, 100);
  const reserve = initialBid + nextPrice(random);
  const size = 8 + itemName.length + description.length + 8 + 8 + 8 + 8 + 8;
  const extra = input.extras.extra(random, size, NEXMARK.avgAuctionByteSize);
  return { id, itemName, description, initialBid, reserve, dateTime: timestamp, expires, seller, category, extra };
}

/**
 * An auction's length: uniform in [1, 2 × horizon], the horizon being the time until the auction
 * `numInFlightAuctions` ahead is created, so about that many auctions are open at any time.
 */
function nextAuctionLengthMs(input: AuctionInput): number {
  const future = timestampForEvent(input.config, input.eventNumber + EVENTS_FOR_AUCTIONS);
  const horizonMs = future - input.timestamp;
  return 1 + input.random.nextInt(Math.max(horizonMs * 2, 1));
}
