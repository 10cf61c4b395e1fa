import { NEXMARK } from './config.ts';
import type { Random } from './prng.ts';

// Ids are dense and increasing: person k is the k-th person event, auction k the k-th auction
// event. These are PersonGenerator's and AuctionGenerator's id rules, base 0.

/** The last person id (base 0) at event `eventId`: the current one if this event is a person. */
export function lastBase0PersonId(eventId: number): number {
  const epoch = Math.floor(eventId / NEXMARK.totalProportion);
  let offset = eventId % NEXMARK.totalProportion;
  if (offset >= NEXMARK.personProportion) offset = NEXMARK.personProportion - 1;
  return epoch * NEXMARK.personProportion + offset;
}

/** A random person among the active ones, plus a few not yet created (base 0). */
export function nextBase0PersonId(eventId: number, random: Random): number {
  const numPeople = lastBase0PersonId(eventId) + 1;
  const activePeople = Math.min(numPeople, NEXMARK.numActivePeople);
  const n = random.nextInt(activePeople + NEXMARK.idLead);
  return numPeople - activePeople + n;
}

/** The last auction id (base 0) at event `eventId`: the current one if this event is an auction. */
export function lastBase0AuctionId(eventId: number): number {
  let epoch = Math.floor(eventId / NEXMARK.totalProportion);
  let offset = eventId % NEXMARK.totalProportion;
  if (offset < NEXMARK.personProportion) {
    // A person: the last auction of the previous epoch (-1 before the first auction).
    epoch--;
    offset = NEXMARK.auctionProportion - 1;
  } else if (offset >= NEXMARK.personProportion + NEXMARK.auctionProportion) {
    offset = NEXMARK.auctionProportion - 1;
  } else {
    offset -= NEXMARK.personProportion;
  }
  return epoch * NEXMARK.auctionProportion + offset;
}

/** A random auction among those likely still in flight, plus a few not yet created (base 0). */
export function nextBase0AuctionId(eventId: number, random: Random): number {
  const maxAuction = lastBase0AuctionId(eventId);
  const minAuction = Math.max(maxAuction - NEXMARK.numInFlightAuctions, 0);
  return minAuction + random.nextInt(maxAuction - minAuction + 1 + NEXMARK.idLead);
}
