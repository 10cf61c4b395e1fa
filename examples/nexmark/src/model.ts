/**
 * The NEXMark event model, with the field names of the Flink and Beam nexmark schemas;
 * `dateTime` and `expires` are epoch milliseconds. A line of `events.jsonl` is one
 * {@link NexmarkEvent}: `{"person":…}`, `{"auction":…}` or `{"bid":…}`.
 */

/** A person who sells or bids. */
export interface Person {
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  readonly dateTime: number;
  readonly extra: string;
}

/** An auction opened by `seller`, closing at `expires`. */
export interface Auction {
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  readonly dateTime: number;
  readonly expires: number;
  readonly seller: number;
  readonly category: number;
  readonly extra: string;
}

/** A bid of `bidder` on `auction`; `price` in cents. */
export interface Bid {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  readonly dateTime: number;
  readonly extra: string;
}

/** One generated event: exactly one of its three fields is present. */
export type NexmarkEvent =
  | { readonly person: Person; readonly auction?: undefined; readonly bid?: undefined }
  | { readonly auction: Auction; readonly person?: undefined; readonly bid?: undefined }
  | { readonly bid: Bid; readonly person?: undefined; readonly auction?: undefined };

/** An event's time (its `dateTime`), whichever kind it is. */
export function eventTimeOf(event: NexmarkEvent): number {
  if (event.bid !== undefined) return event.bid.dateTime;
  if (event.auction !== undefined) return event.auction.dateTime;
  return event.person.dateTime;
}
