import { Subject, type Observable } from 'rxjs';
import type { Clock, JournalStore } from '@sluice/core';
import { SYSTEM_JOURNAL, type ActivityEntry, type ActivityRecord } from './activity.ts';

/**
 * Writes the activity log ahead of what it describes: `append` queues an entry and returns a
 * promise that resolves once it is durable. Entries queued while a commit is in flight go
 * out together in the next one, so lifecycle bursts cost one commit.
 */
export class ActivityLog {
  private readonly subject = new Subject<ActivityRecord>();
  private queue: { entry: ActivityEntry; at: number }[] = [];
  private writing: Promise<void> = Promise.resolve();
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** Entries recorded before `open`: nothing may be written until recovery accepts the store. */
  private held: ActivityEntry[] | undefined = [];

  constructor(
    private readonly store: JournalStore,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** True once `open` was called. */
  get opened(): boolean {
    return this.held === undefined;
  }

  /** Starts writing: `first` (written ahead, awaited), then what was recorded meanwhile. */
  async open(first: readonly ActivityEntry[]): Promise<void> {
    const held = this.held ?? [];
    this.held = undefined;
    await Promise.all(first.map((entry) => this.append(entry)));
    for (const entry of held) this.record(entry);
  }

  /** Records an entry without waiting for it; held until `open`, dropped if never opened. */
  record(entry: ActivityEntry): void {
    if (this.held !== undefined) {
      this.held.push(entry);
      return;
    }
    this.append(entry).catch(this.onError);
  }

  /** Activity records as they become durable. */
  get records$(): Observable<ActivityRecord> {
    return this.subject.asObservable();
  }

  /** Queues an entry; resolves once it is committed. */
  append(entry: ActivityEntry): Promise<void> {
    this.queue.push({ entry, at: this.clock.now() });
    const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.writing = this.writing.then(() => this.flushQueue());
    return written;
  }

  /** Resolves when every queued entry is committed. */
  flush(): Promise<void> {
    return this.writing;
  }

  /** Ends the records$ stream. */
  complete(): void {
    this.subject.complete();
  }

  private async flushQueue(): Promise<void> {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    const waiters = this.waiters;
    this.queue = [];
    this.waiters = [];
    try {
      const records = batch.map(({ entry, at }) => ({ kind: 'control' as const, at, payload: entry }));
      const { firstSeq } = await this.store.commit({ stage: SYSTEM_JOURNAL, records });
      batch.forEach(({ entry, at }, i) => this.subject.next({ ...entry, seq: firstSeq + i, at }));
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }
}
