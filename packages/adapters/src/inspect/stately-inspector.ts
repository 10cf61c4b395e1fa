import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { ErrorCode, SluiceError, errorMessage } from '@sluice/core';
import type { InspectionEvent, InspectionObserver } from '@sluice/fsm';

/** The Stately inspector UI the relay page embeds. */
export const STATELY_INSPECTOR_URL = 'https://stately.ai/inspect';

/** Options of {@link startStatelyInspector}. */
export interface StatelyInspectorOptions {
  /** Port of the relay (0 picks a free one). */
  readonly port: number;
  /** Interface it binds (default `127.0.0.1`: this machine only). */
  readonly host?: string;
  /** Messages kept for a browser that connects late (default 10,000). */
  readonly replay?: number;
}

/** A running inspector: pass `inspect` to the run, open `url` in a browser. */
export interface StatelyInspector {
  /** The XState inspection callback. Events before the relay listens are kept and sent. */
  readonly inspect: InspectionObserver;
  /** Resolves with the page to open once the relay listens; rejects if it cannot listen. */
  readonly ready: Promise<string>;
  /** Disconnects the inspector and stops the relay. Idempotent. */
  close(): Promise<void>;
}

/**
 * Attaches the Stately inspector to a run in Node: a local HTTP + WebSocket relay (like
 * `@statelyai/inspect/server`, but bound to localhost and with a replay buffer) and
 * `@statelyai/inspect`'s WebSocket inspector connected to it. The relay's page embeds the
 * Stately inspector and forwards every inspection event to it, from the start of the run.
 */
export function startStatelyInspector(options: StatelyInspectorOptions): StatelyInspector {
  const host = options.host ?? '127.0.0.1';
  const relay = new Relay(options.replay ?? 10_000);
  const pending: InspectionEvent[] = [];
  let inspector: ReturnType<typeof createWebSocketInspector> | undefined;
  const ready = relay.listen(options.port, host).then((port) => {
    const base = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    inspector = createWebSocketInspector({ url: `ws://${base}`, maxDeferredEvents: 100_000 });
    for (const event of pending.splice(0)) inspector.inspect.next?.(event);
    return `http://${base}/`;
  });
  ready.catch(() => undefined);
  let closing: Promise<void> | undefined;
  return {
    inspect: (event) => {
      if (inspector === undefined) pending.push(event);
      else inspector.inspect.next?.(event);
    },
    ready,
    close: () =>
      (closing ??= (async () => {
        await ready.catch(() => undefined);
        // Give the inspector time to connect and send what it deferred (it sends on setTimeout 0).
        await relay.connected(1000);
        await new Promise((resolve) => setTimeout(resolve, 50));
        inspector?.stop();
        await relay.close();
      })()),
  };
}

/** Forwards every message from one client to the others and replays recent ones to newcomers. */
class Relay {
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #recent: string[] = [];
  #clients = 0;

  constructor(private readonly replay: number) {
    this.#http = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(BRIDGE_PAGE);
    });
    this.#wss = new WebSocketServer({ server: this.#http });
    this.#wss.on('connection', (socket) => {
      this.#clients += 1;
      for (const message of this.#recent) socket.send(message);
      socket.on('message', (data) => this.#forward(socket, data));
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#http.once('error', (error) =>
        reject(new SluiceError(ErrorCode.Config, `inspector: cannot listen on ${host}:${port}: ${errorMessage(error)}; set inspectPort (--inspect-port) to a free port`)),
      );
      this.#http.listen(port, host, () => resolve((this.#http.address() as AddressInfo).port));
    });
  }

  /** Resolves once a client has connected, or after `timeoutMs`. */
  async connected(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.#clients === 0 && this.#http.listening && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
    if (!this.#http.listening) return;
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
  }

  #forward(from: WebSocket, data: RawData): void {
    const message = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(toBuffers(data)).toString('utf8');
    this.#recent.push(message);
    if (this.#recent.length > this.replay) this.#recent.shift();
    for (const client of this.#wss.clients) {
      if (client !== from && client.readyState === WebSocket.OPEN) client.send(message);
    }
  }
}

function toBuffers(data: RawData): Buffer[] {
  if (Array.isArray(data)) return data;
  return [Buffer.from(data as ArrayBuffer)];
}

/** The page the relay serves: the Stately inspector in a frame, fed from the relay's socket. */
const BRIDGE_PAGE = `<!DOCTYPE html>
<html>
<head>
  <title>Sluice — Stately Inspector</title>
  <style>* { margin: 0; padding: 0; } html, body { height: 100%; } iframe { width: 100%; height: 100%; border: none; }</style>
</head>
<body>
  <iframe id="inspector" src="${STATELY_INSPECTOR_URL}"></iframe>
  <script>
    const frame = document.getElementById('inspector');
    const buffer = [];
    let connected = false;
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === '@statelyai.connected') {
        connected = true;
        for (const event of buffer.splice(0)) frame.contentWindow.postMessage(event, '*');
      }
    });
    const socket = new WebSocket('ws://' + location.host);
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (connected) frame.contentWindow.postMessage(event, '*');
      else buffer.push(event);
    };
  </script>
</body>
</html>`;
