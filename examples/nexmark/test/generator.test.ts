import { expect } from 'chai';
import { generateEvents } from '../src/generator/generator.ts';
import { DEFAULT_CONFIG, NEXMARK } from '../src/generator/config.ts';
import { eventTimeOf, type Auction, type Bid, type NexmarkEvent, type Person } from '../src/model.ts';

const EVENTS = 50_000;
const all: NexmarkEvent[] = [...generateEvents(EVENTS)];
const persons = all.flatMap((e) => (e.person ? [e.person] : []));
const auctions = all.flatMap((e) => (e.auction ? [e.auction] : []));
const bids = all.flatMap((e) => (e.bid ? [e.bid] : []));

describe('NEXMark generator', () => {
  it('picks the kind by event id % 50: 1 person, then 3 auctions, then 46 bids', () => {
    const wrong = all.filter((e, n) => {
      const rem = n % 50;
      const kind = e.person ? 'person' : e.auction ? 'auction' : 'bid';
      return kind !== (rem < 1 ? 'person' : rem < 4 ? 'auction' : 'bid');
    });
    expect(wrong).to.have.length(0);
    expect([persons.length, auctions.length, bids.length]).to.deep.equal([1000, 3000, 46_000]);
  });

  it('gives persons and auctions dense increasing ids from 1000', () => {
    expect(persons.map((p) => p.id)).to.deep.equal(persons.map((_, i) => 1000 + i));
    expect(auctions.map((a) => a.id)).to.deep.equal(auctions.map((_, i) => 1000 + i));
  });

  it('writes the field names of the Flink/Beam schemas', () => {
    const keys = (value: Person | Auction | Bid): string[] => Object.keys(value);
    expect(keys(persons[0]!)).to.deep.equal(['id', 'name', 'emailAddress', 'creditCard', 'city', 'state', 'dateTime', 'extra']);
    expect(keys(auctions[0]!)).to.deep.equal(['id', 'itemName', 'description', 'initialBid', 'reserve', 'dateTime', 'expires', 'seller', 'category', 'extra']);
    expect(keys(bids[0]!)).to.deep.equal(['auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra']);
  });

  it('times events from the inter-event delay of the rate, never decreasing', () => {
    const fast = [...generateEvents(2001, { ...DEFAULT_CONFIG, rate: 1000 })];
    // 1,000 events/s: event n at base + n ms.
    expect(fast.filter((e, n) => eventTimeOf(e) !== DEFAULT_CONFIG.baseTime + n)).to.have.length(0);
    expect(all.filter((e, i) => i > 0 && eventTimeOf(e) < eventTimeOf(all[i - 1]!))).to.have.length(0);
    // 10,000 events/s: 50,000 events span 5 s.
    expect(eventTimeOf(all[EVENTS - 1]!) - DEFAULT_CONFIG.baseTime).to.equal(4999);
  });

  it('draws log-uniform prices in cents from 1.00 to 1,000,000.00, and reserves above the initial bid', () => {
    expect(bids.filter((b) => b.price < 100 || b.price > 100_000_000)).to.have.length(0);
    // Log-uniform over 6 decades: about a sixth of the prices in each decade.
    const decade = bids.filter((b) => b.price >= 10_000 && b.price < 100_000).length / bids.length;
    expect(decade).to.be.within(0.15, 0.18);
    expect(auctions.filter((a) => a.reserve <= a.initialBid)).to.have.length(0);
  });

  it('sets expires from the auction horizon: after dateTime, about 2 × horizon at most', () => {
    // Horizon: the time of 100 × 50 / 3 = 1,666 events ahead, 166 ms at 10,000 events/s.
    const lengths = auctions.map((a) => a.expires - a.dateTime);
    expect(lengths.filter((l) => l < 1 || l > 2 * 167 + 1)).to.have.length(0);
    const mean = lengths.reduce((s, l) => s + l, 0) / lengths.length;
    expect(mean).to.be.within(150, 185);
  });

  it('makes sellers, auctions and bidders hot at the configured ratios, and ids exist or lead by little', () => {
    const hotSellers = auctions.filter((a) => (a.seller - NEXMARK.firstPersonId) % 100 === 0).length / auctions.length;
    expect(hotSellers).to.be.within(0.72, 0.78); // 1 - 1/4, plus the few random picks that land on one
    const hotAuctions = bids.filter((b) => (b.auction - NEXMARK.firstAuctionId) % 100 === 0).length / bids.length;
    expect(hotAuctions).to.be.within(0.48, 0.53); // 1 - 1/2
    const hotBidders = bids.filter((b) => (b.bidder - NEXMARK.firstPersonId) % 100 === 1).length / bids.length;
    expect(hotBidders).to.be.within(0.72, 0.78);
    const lastPerson = 1000 + persons.length - 1;
    const lastAuction = 1000 + auctions.length - 1;
    const outside = bids.filter((b) => b.bidder < 1000 || b.bidder > lastPerson + NEXMARK.idLead || b.auction < 1000 || b.auction > lastAuction + NEXMARK.idLead);
    expect(outside).to.have.length(0);
    expect(new Set(auctions.map((a) => a.category))).to.deep.equal(new Set([10, 11, 12, 13, 14]));
  });

  it('is deterministic: the same seed gives the same events, another seed others', () => {
    const text = (seed: number): string => [...generateEvents(3000, { ...DEFAULT_CONFIG, seed })].map((e) => JSON.stringify(e)).join('\n');
    expect(text(7)).to.equal(text(7));
    expect(text(7)).to.not.equal(text(8));
  });
});
