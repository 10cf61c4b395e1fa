/** An order as it arrives: anything may be wrong with it. */
export interface RawOrder {
  readonly id?: unknown;
  readonly customer?: unknown;
  readonly qty?: unknown;
  readonly unit?: unknown;
}

/** A validated order. */
export interface Order {
  readonly id: string;
  readonly customer: string;
  readonly qty: number;
  readonly unit: number;
}

/** A priced order. */
export interface PricedOrder extends Order {
  readonly total: number;
}

/** Per-customer totals of small orders. */
export interface CustomerTotal {
  readonly customer: string;
  readonly orders: number;
  readonly total: number;
}

/** Orders at or above this total go to the big-orders sink. */
export const BIG_ORDER = 500;

/** Checks a raw order; throws an error that says which field is wrong. */
export function validateOrder(raw: RawOrder): Order {
  const { id, customer, qty, unit } = raw;
  if (typeof id !== 'string' || id.length === 0) throw new Error('order has no id');
  if (typeof customer !== 'string' || customer.length === 0) throw new Error(`order ${id}: no customer`);
  if (typeof qty !== 'number' || !Number.isInteger(qty) || qty <= 0) {
    throw new Error(`order ${id}: qty must be a positive integer, got ${JSON.stringify(qty)}`);
  }
  if (typeof unit !== 'number' || !(unit >= 0)) throw new Error(`order ${id}: unit must be >= 0, got ${JSON.stringify(unit)}`);
  return { id, customer, qty, unit };
}

/** Prices in integer cents so that totals are exact whatever the order of addition. */
export function priceOrder(order: Order): PricedOrder {
  return { ...order, total: order.qty * order.unit };
}
