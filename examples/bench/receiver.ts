import { Agent, createServer, request, type Server } from 'node:http';

/** What an effect of the bench sends: which event, which step, under which idempotency key. */
export interface CallRequest {
  readonly key: string;
  readonly step: string;
  readonly id: number;
}

/** What the receiver answers: its record of the call, which an effect journals as its outcome. */
export interface CallReply {
  readonly ok: true;
  readonly id: number;
}

/** The receiver as the flow sees it. */
export interface Target {
  call(req: CallRequest): Promise<CallReply>;
  /** Calls made so far through this target. */
  readonly calls: number;
  close(): void;
}

/** The in-process receiver: an async function that answers on the next microtask. */
export function inProcessTarget(): Target {
  let calls = 0;
  return {
    call: async (req) => {
      calls++;
      await Promise.resolve();
      return { ok: true, id: req.id };
    },
    get calls() {
      return calls;
    },
    close: () => undefined,
  };
}

/**
 * A client of the HTTP receiver: `POST` of the call as JSON with an `Idempotency-Key` header,
 * over keep-alive connections (at most `sockets` at once, so calls run in parallel, not one
 * after another on one socket).
 */
export function httpTarget(url: string, sockets: number): Target {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  let calls = 0;
  const post = (req: CallRequest): Promise<CallReply> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(req);
      const options = {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'idempotency-key': req.key },
      };
      const outgoing = request(url, options, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          if (res.statusCode === 200) resolve(JSON.parse(text) as CallReply);
          else reject(new Error(`receiver answered ${String(res.statusCode)}: ${text}`));
        });
        res.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  return {
    call: (req) => {
      calls++;
      return post(req);
    },
    get calls() {
      return calls;
    },
    close: () => agent.destroy(),
  };
}

/** The HTTP receiver the bench starts on 127.0.0.1: answers every call, counting them by key. */
export interface HttpReceiver {
  readonly url: string;
  /** Calls per idempotency key since the last {@link reset}. */
  readonly keys: Map<string, number>;
  /** Calls since the last {@link reset}. */
  readonly calls: number;
  reset(): void;
  close(): Promise<void>;
}

/** Starts the HTTP receiver on a free port of 127.0.0.1 (keep-alive, as node:http does by default). */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const keys = new Map<string, number>();
  let calls = 0;
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const { id } = JSON.parse(text) as CallRequest;
      const key = String(req.headers['idempotency-key']);
      keys.set(key, (keys.get(key) ?? 0) + 1);
      calls++;
      const body = JSON.stringify({ ok: true, id } satisfies CallReply);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the receiver has no port');
  return {
    url: `http://127.0.0.1:${String(address.port)}/call`,
    keys,
    get calls() {
      return calls;
    },
    reset: () => {
      keys.clear();
      calls = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
