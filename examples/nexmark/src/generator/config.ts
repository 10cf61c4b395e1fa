/**
 * The generator's configuration, with the defaults of Flink's `NexmarkConfiguration` (one
 * generator, no out-of-order groups): proportions 1 person : 3 auctions : 46 bids in every 50
 * events, 1,000 active people, 100 auctions in flight, hot ratios 4 (sellers), 2 (auctions),
 * 4 (bidders), average sizes 200/500/100 bytes.
 */
export interface GeneratorConfig {
  /** Seed of the random stream: the same seed and options give a byte-identical file. */
  readonly seed: number;
  /** Events per second of event time (Flink's `firstEventRate`, default 10,000). */
  readonly rate: number;
  /** Event time of the first event, epoch ms. */
  readonly baseTime: number;
}

/** Default seed, rate and base time (2026-01-01T00:00:00Z: fixed, so runs are reproducible). */
export const DEFAULT_CONFIG: GeneratorConfig = { seed: 42, rate: 10_000, baseTime: Date.UTC(2026, 0, 1) };

/** The fixed parameters of the generator (Flink's defaults and constants). */
export const NEXMARK = {
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  totalProportion: 50,
  firstPersonId: 1000,
  firstAuctionId: 1000,
  firstCategoryId: 10,
  numCategories: 5,
  numActivePeople: 1000,
  numInFlightAuctions: 100,
  hotSellersRatio: 4,
  hotAuctionRatio: 2,
  hotBiddersRatio: 4,
  /** "Hot" ids are the first of each batch of this many (HOT_SELLER_RATIO, HOT_AUCTION_RATIO…). */
  hotBatch: 100,
  /** Yet-to-be-created person and auction ids a random pick may reach. */
  idLead: 10,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
} as const;

/** Event time of event number `n`: the base time plus n inter-event delays, truncated to ms. */
export function timestampForEvent(config: GeneratorConfig, n: number): number {
  const interEventDelayUs = 1_000_000 / config.rate;
  return config.baseTime + Math.floor(Math.floor(n * interEventDelayUs) / 1000);
}
