import type { ServerResponse } from 'node:http';
import { Subscription } from 'rxjs';
import type { ActivityRecord, PipelineHandle } from '@sluice/runtime';

/** Default interval of the SSE comment heartbeat, which keeps proxies from closing the stream. */
export const SSE_HEARTBEAT_MS = 15_000;

/** One activity record as a Server-Sent Events frame: `id`, `event` (the type) and JSON `data`. */
export function sseFrame(record: ActivityRecord): string {
  return `id: ${record.seq}\nevent: ${record.type}\ndata: ${JSON.stringify(record)}\n\n`;
}

/** Sends the journaled activity records after `afterSeq`, page by page. */
async function replay(handle: PipelineHandle, afterSeq: number, send: (record: ActivityRecord) => void): Promise<void> {
  for (let after = afterSeq; ; ) {
    const page = await handle.activityAfter(after, 1000);
    const last = page.at(-1);
    if (last === undefined) return;
    page.forEach(send);
    after = last.seq;
  }
}

/**
 * The open `/events` streams of a server, so that closing the server can end them. Each
 * stream follows `handle.activity$` from the moment it opens (records written before are in
 * the `$system` journal), ends when the run's activity log completes, and unsubscribes when
 * the client goes away.
 */
export class EventStreams {
  private readonly open = new Set<() => void>();

  constructor(private readonly heartbeatMs: number = SSE_HEARTBEAT_MS) {}

  /**
   * `GET /events`: streams activity records as `text/event-stream`. With `afterSeq` (from
   * `Last-Event-ID` or `?after=`) it first replays the journaled records after that seq, so a
   * reconnecting client misses nothing and sees nothing twice.
   */
  serve(res: ServerResponse, handle: PipelineHandle, afterSeq?: number): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`: sluice activity of run ${handle.runId}\n\n`);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), this.heartbeatMs);
    heartbeat.unref();
    let ended = false;
    const subscription = new Subscription();
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      subscription.unsubscribe();
      this.open.delete(end);
      if (!res.writableEnded) res.end();
    };
    this.open.add(end);
    // The response's close, not the request's: the latter fires once a GET's empty body is read.
    res.on('close', end);
    // Added to a closed subscription (activity$ completed at once: the run is over), the
    // inner one is unsubscribed at once.
    let lastSent = afterSeq ?? 0;
    const send = (record: ActivityRecord): void => {
      if (ended || record.seq <= lastSent) return;
      lastSent = record.seq;
      res.write(sseFrame(record));
    };
    // Live records wait here while the history is replayed.
    let held: ActivityRecord[] | undefined = afterSeq === undefined ? undefined : [];
    let completed = false;
    subscription.add(
      handle.activity$.subscribe({
        next: (record) => {
          if (held === undefined) send(record);
          else held.push(record);
        },
        error: (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          if (!ended) res.write(`event: error\ndata: ${JSON.stringify({ error: message })}\n\n`);
          end();
        },
        complete: () => {
          completed = true;
          if (held === undefined) end();
        },
      }),
    );
    if (afterSeq !== undefined) {
      void replay(handle, afterSeq, send)
        .catch(() => undefined)
        .then(() => {
          for (const record of held ?? []) send(record);
          held = undefined;
          if (completed) end();
        });
    }
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}
