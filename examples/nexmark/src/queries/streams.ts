import { flatMap, type StageRef } from '@sluice/core';
import type { Auction, Bid, NexmarkEvent, Person } from '../model.ts';

// The three streams of NEXMark's SQL (`person`, `auction`, `bid` views), each one flatMap
// over the events; their records keep the events' event time.

/** The bids among the events, as a stage named `name` (default `bids`). */
export function bidsOf(events: StageRef<NexmarkEvent>, name = 'bids'): StageRef<Bid> {
  return flatMap(name, events, (e) => (e.bid === undefined ? [] : [e.bid]));
}

/** The auctions among the events, as a stage named `name` (default `auctions`). */
export function auctionsOf(events: StageRef<NexmarkEvent>, name = 'auctions'): StageRef<Auction> {
  return flatMap(name, events, (e) => (e.auction === undefined ? [] : [e.auction]));
}

/** The people among the events, as a stage named `name` (default `persons`). */
export function personsOf(events: StageRef<NexmarkEvent>, name = 'persons'): StageRef<Person> {
  return flatMap(name, events, (e) => (e.person === undefined ? [] : [e.person]));
}
