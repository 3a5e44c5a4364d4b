// JSON-RPC over WebSocket at /websocket: every HTTP method, plus subscribe / unsubscribe /
// unsubscribe_all that push CometBFT 0.38 event messages tagged with the subscribe request's id.
// Requests of one connection run one at a time, like CometBFT's readRoutine; a client that does
// not read its events is disconnected rather than buffered without limit.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import type { NodeEvent } from "./backend.ts";
import type { MethodContext, RpcMethod } from "./context.ts";
import { internalError } from "./errors.ts";
import { toEventMessage } from "./event-data.ts";
import { type EventQuery, matchesEventQuery, parseEventQuery } from "./event-query.ts";
import { handleBody } from "./jsonrpc.ts";
import { lookupMethod } from "./methods.ts";
import { requiredString } from "./params.ts";

/** Bytes a client may leave unread in its socket before it is dropped: a few large blocks' worth of
 * events. Bounds memory per slow client (CometBFT drops subscribers that stop pulling). */
export const MAX_WS_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Requests received but not yet handled on one connection; beyond this the client is flooding. */
export const MAX_WS_PENDING_REQUESTS = 100;
/** Keep-alive: ping this often, drop a client that did not pong since the last ping (CometBFT
 * pings every 27 s with a 30 s read deadline). */
export const DEFAULT_WS_PING_INTERVAL_MS = 27_000;
/** Time a dropped client gets to complete the close handshake before its socket is cut. */
const CLOSE_GRACE_MS = 1000;
/** Close code for clients dropped for not keeping up (RFC 6455 1008: policy violation). */
const CLOSE_POLICY_VIOLATION = 1008;

interface Subscription {
  query: EventQuery;
  requestId: string | number;
}

export interface WebsocketOptions {
  context: MethodContext;
  maxBodyBytes: number;
  maxSubscriptionsPerClient: number;
  pingIntervalMs: number;
}

export interface WebsocketEndpoint {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

export function createWebsocketEndpoint(options: WebsocketOptions): WebsocketEndpoint {
  const server = new WebSocketServer({ noServer: true, maxPayload: options.maxBodyBytes });
  const clients = new Set<WebSocket>();
  return {
    handleUpgrade(request, socket, head) {
      server.handleUpgrade(request, socket, head, (ws) => {
        clients.add(ws);
        ws.on("close", () => clients.delete(ws));
        serveConnection(ws, options);
      });
    },
    close() {
      for (const ws of clients) ws.terminate();
      clients.clear();
      server.close();
    },
  };
}

function serveConnection(ws: WebSocket, options: WebsocketOptions): void {
  const { context } = options;
  const subscriptions = new Map<string, Subscription>();
  // One backend listener per connection, held while it has any subscription.
  let stopListening: (() => void) | undefined;
  let pending = 0;
  let queue: Promise<void> = Promise.resolve();
  let alive = true;

  const releaseSubscriptions = (): void => {
    subscriptions.clear();
    stopListening?.();
    stopListening = undefined;
  };

  const send = (message: unknown): void => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_WS_BUFFERED_BYTES) {
      context.logger.warn({ buffered: ws.bufferedAmount }, "dropping websocket client that is not reading");
      releaseSubscriptions();
      ws.close(CLOSE_POLICY_VIOLATION, "client is not reading fast enough");
      // A client that reads nothing would never complete the close handshake either.
      setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
      return;
    }
    ws.send(JSON.stringify(message));
  };

  const onEvent = (event: NodeEvent): void => {
    if (subscriptions.size === 0 || ws.readyState !== WebSocket.OPEN) return;
    // Called from the node's event feed: nothing may be thrown back into it.
    try {
      const message = toEventMessage(event);
      for (const subscription of subscriptions.values()) {
        if (!matchesEventQuery(subscription.query, message.events)) continue;
        send({
          jsonrpc: "2.0",
          id: subscription.requestId,
          result: { query: subscription.query.text, data: message.data, events: message.events },
        });
      }
    } catch (error) {
      context.logger.error({ err: error }, "could not deliver event to subscribers");
    }
  };

  const unsubscribe = (text: string): void => {
    const subscription = subscriptions.get(text);
    if (subscription === undefined) throw internalError("subscription not found");
    subscriptions.delete(text);
    if (subscriptions.size === 0) {
      stopListening?.();
      stopListening = undefined;
    }
  };

  const wsMethods: Record<string, RpcMethod> = {
    subscribe: {
      params: ["query"],
      async run(_context, params, requestId) {
        const query = parseEventQuery(requiredString(params, "query"));
        if (subscriptions.has(query.text)) throw internalError("already subscribed");
        if (subscriptions.size >= options.maxSubscriptionsPerClient) {
          throw internalError(`max_subscriptions_per_client ${options.maxSubscriptionsPerClient} reached`);
        }
        stopListening ??= context.backend.subscribe(onEvent);
        subscriptions.set(query.text, { query, requestId });
        return {};
      },
    },
    unsubscribe: {
      params: ["query"],
      async run(_context, params) {
        unsubscribe(requiredString(params, "query"));
        return {};
      },
    },
    unsubscribe_all: {
      params: [],
      async run() {
        if (subscriptions.size === 0) throw internalError("subscription not found");
        for (const text of [...subscriptions.keys()]) unsubscribe(text);
        return {};
      },
    },
  };
  const lookup = (name: string): RpcMethod | undefined =>
    Object.hasOwn(wsMethods, name) ? wsMethods[name] : lookupMethod(name);

  ws.on("message", (data: RawData, isBinary: boolean) => {
    if (pending >= MAX_WS_PENDING_REQUESTS) {
      ws.close(CLOSE_POLICY_VIOLATION, "too many pending requests");
      return;
    }
    pending++;
    const text = isBinary ? "" : rawDataToString(data);
    queue = queue.then(async () => {
      try {
        const response = await handleBody(text, context, lookup);
        if (response !== undefined) send(response);
      } catch (error) {
        context.logger.error({ err: error }, "websocket request failed");
      } finally {
        pending--;
      }
    });
  });

  ws.on("pong", () => {
    alive = true;
  });
  const pinger = setInterval(() => {
    if (!alive) {
      ws.terminate();
      return;
    }
    alive = false;
    ws.ping();
  }, options.pingIntervalMs);
  pinger.unref();

  ws.on("error", (error) => context.logger.debug?.({ err: error }, "websocket error"));
  ws.on("close", () => {
    clearInterval(pinger);
    releaseSubscriptions();
  });
}

function rawDataToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
