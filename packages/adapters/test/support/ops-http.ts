/** An HTTP answer as the tests look at it. */
export interface Answer<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

async function answer<T>(response: Response): Promise<Answer<T>> {
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').startsWith('application/json');
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: (json ? JSON.parse(text) : text) as T,
  };
}

/** GETs `url`; the body is parsed when it is JSON. */
export async function get<T = unknown>(url: string): Promise<Answer<T>> {
  return answer<T>(await fetch(url));
}

/** POSTs `body` (a string is sent as is) with a JSON content type unless told otherwise. */
export async function post<T = unknown>(
  url: string,
  body: unknown,
  contentType = 'application/json',
): Promise<Answer<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return answer<T>(response);
}

/** One Server-Sent Events frame, or a comment line block. */
export interface SseFrame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly comment?: string;
}

/** An open `/events` stream read with fetch: frames as they arrive. */
export interface SseClient {
  readonly frames: readonly SseFrame[];
  readonly contentType: string | null;
  /** The first frame (received so far or later) that matches; rejects after `timeoutMs`. */
  waitFor(predicate: (frame: SseFrame) => boolean, timeoutMs?: number): Promise<SseFrame>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

function parseFrame(block: string): SseFrame {
  const frame: Record<string, string> = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame['comment'] = line.slice(1).trim();
    const match = /^(id|event|data): ?(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) frame[match[1]] = match[2];
  }
  return frame;
}

/** Opens an SSE stream and reads it in the background. */
export async function openSse(url: string): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal });
  if (response.body === null) throw new Error('no body');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const frames: SseFrame[] = [];
  const listeners = new Set<() => void>();
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          frames.push(parseFrame(buffer.slice(0, end)));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
        for (const listener of listeners) listener();
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    frames,
    contentType: response.headers.get('content-type'),
    ended,
    close: () => abort.abort(),
    waitFor: (predicate, timeoutMs = 5000) =>
      new Promise<SseFrame>((resolve, reject) => {
        const check = (): void => {
          const found = frames.find(predicate);
          if (found === undefined) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(`no matching SSE frame in ${timeoutMs} ms; got ${JSON.stringify(frames)}`),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}
