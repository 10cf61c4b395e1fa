import { compareKeys, type KeyedChange, type WindowAggregate, type WindowSpan } from '@sluice/core';

/**
 * How a window stage lays out its keyed state. Per key, one entry holds the key's open windows
 * (`~k␁<key>` → OpenWindow[], by start); per open window, an index entry sorts by window end
 * (`<end, 16 digits>␁<key>␁<end - start, 16 digits>` → key: a start may be before the epoch, a
 * size never is; one key's windows never share an end with another start), so the windows the watermark closes are
 * a bounded scan from the first key (`scanKeyed({ before })`), never a scan of every window.
 * Index keys start with a digit and key entries with `~`, so an index scan never meets one.
 */

/** One open window of a key, as stored. */
export interface OpenWindow extends WindowSpan {
  readonly acc: unknown;
}

const pad = (n: number): string => String(n).padStart(16, '0');
const SEP = '\u0001';

/** The index entry of window `[start, end)` of `key`: U+0001 sorts below any other character a key holds, so keys keep their order. */
export const indexKey = (end: number, key: string, start: number): string => `${pad(end)}${SEP}${key}${SEP}${pad(end - start)}`;
/** The entry holding `key`'s open windows. */
export const windowsKey = (key: string): string => `~k${SEP}${key}`;
/** Every index entry sorts before this. */
export const INDEX_END = '~';
/** The index bound before which every window with `end <= last` is. */
export const indexBefore = (last: number): string => pad(Math.floor(last) + 1);
/** The end and start of an index key. */
export function spanOfIndex(key: string): WindowSpan {
  const end = Number(key.slice(0, 16));
  return { end, start: end - Number(key.slice(-16)) };
}

/**
 * One batch's changes to a window stage's state over what is committed: the keys' window lists
 * it touched (copied on first change: the committed ones stay as they were until the commit
 * lands) and the index entries it put or deleted.
 */
export class WindowChanges {
  readonly lists = new Map<string, OpenWindow[]>();
  /** Index key → the window's key (put) or undefined (deleted). */
  readonly index = new Map<string, string | undefined>();

  constructor(private readonly committed: (key: string) => readonly OpenWindow[]) {}

  /** `key`'s open windows as this batch left them, by start. */
  windows(key: string): OpenWindow[] {
    let list = this.lists.get(key);
    if (list === undefined) {
      list = [...this.committed(key)];
      this.lists.set(key, list);
    }
    return list;
  }

  /** Puts (or replaces) a window of `key`, keeping the list in start order. */
  put(key: string, window: OpenWindow): void {
    const list = this.windows(key);
    let at = -1;
    for (let i = 0; i < list.length; i++) {
      if ((list[i]?.start ?? 0) < window.start) continue;
      at = i;
      break;
    }
    const same = list[at];
    // A window already open keeps its index entry: only its list entry is written again.
    if (same?.start === window.start && same.end === window.end) {
      list[at] = window;
      return;
    }
    if (at === -1) list.push(window);
    else list.splice(at, 0, window);
    this.index.set(indexKey(window.end, key, window.start), key);
  }

  /** Removes a window of `key` (and its index entry). */
  remove(key: string, window: WindowSpan): void {
    const list = this.windows(key);
    const at = list.findIndex((w) => w.start === window.start && w.end === window.end);
    if (at !== -1) list.splice(at, 1);
    this.index.set(indexKey(window.end, key, window.start), undefined);
  }

  /** Index entries this batch put before `bound`, in key order. */
  putBefore(bound: string): { readonly index: string; readonly key: string }[] {
    const found: { index: string; key: string }[] = [];
    for (const [index, key] of this.index) if (key !== undefined && compareKeys(index, bound) < 0) found.push({ index, key });
    return found.sort((a, b) => compareKeys(a.index, b.index));
  }

  /** The keyed changes to commit: each touched key's list (deleted when empty) and the index entries. */
  toKeyed(): KeyedChange[] {
    const changes: KeyedChange[] = [];
    for (const [key, list] of this.lists) changes.push(list.length === 0 ? { key: windowsKey(key) } : { key: windowsKey(key), value: list });
    for (const [index, key] of this.index) changes.push(key === undefined ? { key: index } : { key: index, value: key });
    return changes;
  }
}

/**
 * Folds a record at `time` into `key`'s session windows: the sessions of the key still open
 * that overlap or touch `[time, time + gap)` merge with it into one (accumulators merged in
 * start order). Returns false, changing nothing, when the merged session would already be
 * closed (`end + lateness <= watermark`): the record is late.
 */
export function addToSession(
  changes: WindowChanges,
  at: { readonly key: string; readonly time: number; readonly gapMs: number; readonly value: unknown; readonly closedBy: (end: number) => boolean },
  aggregate: WindowAggregate<unknown, unknown>,
): boolean {
  const { key, time, gapMs, value, closedBy } = at;
  const fresh: OpenWindow = { start: time, end: time + gapMs, acc: aggregate.add(aggregate.init(), value) };
  const touching = changes.windows(key).filter((w) => !closedBy(w.end) && w.start <= fresh.end && fresh.start <= w.end);
  if (touching.length === 0 && closedBy(fresh.end)) return false;
  const pieces = [...touching, fresh].sort((a, b) => a.start - b.start);
  let acc: unknown = undefined;
  for (const [i, piece] of pieces.entries()) acc = i === 0 || aggregate.merge === undefined ? piece.acc : aggregate.merge(acc, piece.acc);
  const merged: OpenWindow = {
    start: Math.min(...pieces.map((p) => p.start)),
    end: Math.max(...pieces.map((p) => p.end)),
    acc,
  };
  for (const w of touching) changes.remove(key, w);
  changes.put(key, merged);
  return true;
}
