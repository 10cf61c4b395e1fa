import { ErrorCode, TerminalError, type JournalStore, type KeyedChange } from '@sluice/core';

/**
 * Index entries of expiring keys live in the stage's own keyed state, under keys that start with
 * U+0001 (before every printable key): `\u0001<due, 16 digits>\u0001<key>`. So finding the keys due
 * is one bounded scan, and the index commits with the states it indexes.
 */
const INDEX = '\u0001';
/** Expired keys handled per batch; the rest wait for the next one. */
const EXPIRE_PAGE = 1000;

const pad = (due: number): string => String(Math.max(0, Math.floor(due))).padStart(16, '0');
const indexKey = (due: number, key: string): string => `${INDEX}${pad(due)}${INDEX}${key}`;

/** True for a key of the expiry index, which the stage's own scans skip. */
export const isIndexKey = (key: string): boolean => key.startsWith(INDEX);

/**
 * A keyed stage's key expiry (`KeyedHandler.expireAt`): a key whose state says it is due at `t`
 * is deleted, state and index entry in one commit, by the first batch whose time is past `t` —
 * the stage's watermark when its records carry event time, else the clock.
 */
export class KeyedExpiry {
  constructor(
    private readonly stage: string,
    private readonly expireAt: (state: unknown, key: string) => number | undefined,
  ) {}

  /** Throws TerminalError for a key the index reserves (one starting with U+0001). */
  check(key: string): void {
    if (isIndexKey(key)) {
      throw new TerminalError(ErrorCode.MalformedInput, `keyed "${this.stage}": a key starting with U+0001 is reserved for key expiry`, { stage: this.stage });
    }
  }

  /** The index entries due by `now` (at most a page). */
  async due(store: JournalStore, now: number): Promise<{ readonly index: string; readonly key: string; readonly due: number }[]> {
    const page = await store.scanKeyed(this.stage, { after: INDEX, before: indexKey(now + 1, ''), limit: EXPIRE_PAGE });
    return page.map(({ key: index }) => ({
      index,
      key: index.slice(INDEX.length + 16 + INDEX.length),
      due: Number(index.slice(INDEX.length, INDEX.length + 16)),
    }));
  }

  /** True when `state` is due at `due`: an index entry left by an earlier `expireAt` is not. */
  isDue(state: unknown, key: string, due: number): boolean {
    return this.dueOf(state, key) === due;
  }

  /**
   * The index changes for keys whose state went from `before` (committed) to `after` (this batch;
   * undefined: deleted): the old entry deleted and the new one put, where the due time changed.
   */
  indexChanges(changes: Iterable<readonly [key: string, before: unknown, after: unknown]>): KeyedChange[] {
    const out: KeyedChange[] = [];
    for (const [key, before, after] of changes) {
      const was = before === undefined ? undefined : this.dueOf(before, key);
      const now = after === undefined ? undefined : this.dueOf(after, key);
      if (was === now) continue;
      if (was !== undefined) out.push({ key: indexKey(was, key) });
      if (now !== undefined) out.push({ key: indexKey(now, key), value: 1 });
    }
    return out;
  }

  private dueOf(state: unknown, key: string): number | undefined {
    const due = this.expireAt(state, key);
    return typeof due === 'number' && Number.isFinite(due) ? Math.floor(due) : undefined;
  }
}
