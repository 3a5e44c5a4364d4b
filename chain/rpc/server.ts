// The CometBFT 0.38-compatible RPC server: JSON-RPC 2.0 over HTTP POST (single and batch), the GET
// URI form (/block?height=5), a GET / route list, CORS, and JSON-RPC over WebSocket at /websocket.
// Every answer is HTTP 200 with a JSON-RPC body, because cosmjs throws on any status >= 400 before
// reading the body (cosmjs-rpc.md §1).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { RpcBackend } from "./backend.ts";
import { type MethodContext, type RpcLogger, SILENT_LOGGER } from "./context.ts";
import { RpcError, toErrorObject } from "./errors.ts";
import type { Json } from "./json.ts";
import { handleBody, runMethod } from "./jsonrpc.ts";
import { lookupMethod, METHODS } from "./methods.ts";
import { type Params, uriToJsonValue } from "./params.ts";
import { createWebsocketEndpoint, DEFAULT_WS_PING_INTERVAL_MS } from "./websocket.ts";

/** CometBFT [rpc] defaults: max_body_bytes 1000000, max_open_connections 900,
 * timeout_broadcast_tx_commit 10s, max_subscriptions_per_client 5. */
export const RPC_DEFAULTS = {
  maxBodyBytes: 1_000_000,
  maxOpenConnections: 900,
  timeoutBroadcastTxCommitMs: 10_000,
  maxSubscriptionsPerClient: 5,
} as const;

/** Time to receive a whole request (headers + body); slow senders are cut off after it. */
const REQUEST_RECEIVE_TIMEOUT_MS = 30_000;
const HEADERS_RECEIVE_TIMEOUT_MS = 10_000;
/** How long an idle keep-alive connection stays open. Node's default (5 s) races clients that reuse a
 * pooled connection just as the server closes it (undici keeps them 4 s): on a loaded machine the
 * request then fails with "fetch failed". A minute, as common HTTP servers, makes the race rare;
 * maxConnections still bounds the sockets held. */
const KEEP_ALIVE_TIMEOUT_MS = 60_000;
/** An oversized body is read and thrown away so the answer reaches the client and the keep-alive
 * connection stays usable; past this many bytes the sender is cut off instead. */
const MAX_DISCARDED_BODY_BYTES = 16 * 1024 * 1024;
/** How long browsers may cache a CORS preflight answer, in seconds. */
const CORS_MAX_AGE_SECONDS = 600;
/** CometBFT's default cors_allowed_headers (content-type is what a JSON POST from a browser needs). */
const CORS_ALLOWED_HEADERS = "Origin, Accept, Content-Type, X-Requested-With, X-Server-Time";
const CORS_ALLOWED_METHODS = "HEAD, GET, POST, OPTIONS";
/** CometBFT answers URI (GET) calls with this id. */
const URI_REQUEST_ID = -1;

export interface RpcServerOptions {
  backend: RpcBackend;
  /** "tcp://host:port" (CometBFT laddr form) or "host:port"; port 0 picks a free port. */
  laddr: string;
  /** Origins allowed by CORS; ["*"] allows any, [] (default) sends no CORS headers. */
  corsAllowedOrigins?: readonly string[];
  maxBodyBytes?: number;
  maxOpenConnections?: number;
  timeoutBroadcastTxCommitMs?: number;
  maxSubscriptionsPerClient?: number;
  /** WebSocket keep-alive ping period; tests may shorten it. */
  wsPingIntervalMs?: number;
  logger?: RpcLogger;
  /** Plain HTTP routes served beside JSON-RPC (e.g. /blobs/ of chain/blobs), matched by path prefix
   * before anything else; CORS headers are applied first, the route answers everything else. */
  extraRoutes?: readonly HttpRoute[];
}

export interface HttpRoute {
  /** e.g. "/blobs/"; must not be a JSON-RPC method path. */
  pathPrefix: string;
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
}

export interface RpcServer {
  /** The bound "host:port" (the real port when laddr asked for 0). */
  address: string;
  /** Stops listening, ends every HTTP and WebSocket connection and aborts waiting calls. */
  close(): Promise<void>;
}

export function parseListenAddress(laddr: string): { host: string; port: number } {
  const withScheme = laddr.includes("://") ? laddr : `tcp://${laddr}`;
  const url = new URL(withScheme.replace(/^tcp:/, "http:"));
  if (!withScheme.startsWith("tcp://")) throw new TypeError(`laddr must be tcp://host:port, got ${laddr}`);
  const port = url.port === "" ? 0 : Number(url.port);
  return { host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port };
}

export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const maxBodyBytes = options.maxBodyBytes ?? RPC_DEFAULTS.maxBodyBytes;
  const corsOrigins = options.corsAllowedOrigins ?? [];
  const logger = options.logger ?? SILENT_LOGGER;
  const closing = new AbortController();
  const context: MethodContext = {
    backend: options.backend,
    logger,
    timeoutBroadcastTxCommitMs: options.timeoutBroadcastTxCommitMs ?? RPC_DEFAULTS.timeoutBroadcastTxCommitMs,
    closing: closing.signal,
    waitingCommits: { count: 0 },
  };
  const websocket = createWebsocketEndpoint({
    context,
    maxBodyBytes,
    maxSubscriptionsPerClient: options.maxSubscriptionsPerClient ?? RPC_DEFAULTS.maxSubscriptionsPerClient,
    pingIntervalMs: options.wsPingIntervalMs ?? DEFAULT_WS_PING_INTERVAL_MS,
  });

  const server = createServer({
    requestTimeout: REQUEST_RECEIVE_TIMEOUT_MS,
    headersTimeout: HEADERS_RECEIVE_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  });
  // Node refuses (closes) connections past this count, HTTP and WebSocket alike.
  server.maxConnections = options.maxOpenConnections ?? RPC_DEFAULTS.maxOpenConnections;
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const extraRoutes = options.extraRoutes ?? [];
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const path = pathOf(request);
    const route = extraRoutes.find((candidate) => path.startsWith(candidate.pathPrefix));
    if (route !== undefined) {
      applyCors(request, response, corsOrigins);
      route.handle(request, response).catch((error: unknown) => {
        logger.error({ err: error, path }, "http route failed");
        if (!response.headersSent) {
          response.writeHead(500, { "Content-Type": "text/plain", Connection: "close" });
          response.end("internal error");
        } else response.destroy();
      });
      return;
    }
    serveHttp(request, response, { context, maxBodyBytes, corsOrigins }).catch((error: unknown) => {
      logger.error({ err: error }, "rpc request failed");
      if (!response.headersSent)
        sendJson(response, { jsonrpc: "2.0", id: null, error: toErrorObject(error) });
      else response.destroy();
    });
  });
  server.on("upgrade", (request: IncomingMessage, socket, head: Buffer) => {
    if (pathOf(request) === "/websocket") websocket.handleUpgrade(request, socket, head);
    else socket.destroy();
  });
  server.on("clientError", (_error, socket) => socket.destroy());

  const { host, port } = parseListenAddress(options.laddr);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address();
  if (bound === null || typeof bound === "string") throw new Error("rpc server has no TCP address");
  const address =
    bound.family === "IPv6" ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  logger.debug?.({ address }, "rpc server listening");

  let closed: Promise<void> | undefined;
  return {
    address,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        websocket.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}

interface HttpContext {
  context: MethodContext;
  maxBodyBytes: number;
  corsOrigins: readonly string[];
}

function pathOf(request: IncomingMessage): string {
  // Every JSON-RPC POST (broadcast_tx_sync among them) goes to "/": no URL to parse (~20 µs a request
  // on a loaded validator).
  if (request.url === "/") return "/";
  try {
    return new URL(request.url ?? "/", "http://localhost").pathname;
  } catch {
    return "";
  }
}

async function serveHttp(
  request: IncomingMessage,
  response: ServerResponse,
  http: HttpContext,
): Promise<void> {
  applyCors(request, response, http.corsOrigins);
  switch (request.method) {
    case "OPTIONS":
      response.writeHead(204, {
        "Access-Control-Allow-Methods": CORS_ALLOWED_METHODS,
        "Access-Control-Allow-Headers": CORS_ALLOWED_HEADERS,
        "Access-Control-Max-Age": String(CORS_MAX_AGE_SECONDS),
      });
      response.end();
      return;
    case "POST": {
      const body = await readBody(request, http.maxBodyBytes);
      if (body === undefined) {
        // Unread body bytes would be parsed as the next request: close instead of keeping alive.
        if (!request.complete) response.setHeader("Connection", "close");
        const error = new RpcError(
          "invalidRequest",
          "error reading request body: http: request body too large",
        );
        sendJson(response, { jsonrpc: "2.0", id: null, error: toErrorObject(error) });
        return;
      }
      sendJson(response, await handleBody(body, http.context, lookupMethod));
      return;
    }
    case "GET":
    case "HEAD":
      request.resume();
      return serveUri(request, response, http.context);
    default: {
      request.resume();
      const error = new RpcError("invalidRequest", `HTTP method ${request.method} not supported`);
      sendJson(response, { jsonrpc: "2.0", id: null, error: toErrorObject(error) });
    }
  }
}

async function serveUri(
  request: IncomingMessage,
  response: ServerResponse,
  context: MethodContext,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (url.pathname === "/") {
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    response.end(routeListHtml(request.headers.host ?? "localhost"));
    return;
  }
  const name = url.pathname.slice(1);
  const method = lookupMethod(name);
  if (method === undefined) {
    const error = new RpcError("methodNotFound", name);
    sendJson(response, { jsonrpc: "2.0", id: URI_REQUEST_ID, error: toErrorObject(error) });
    return;
  }
  let params: Params;
  try {
    params = {};
    for (const [key, value] of url.searchParams) params[key] = uriToJsonValue(key, value);
  } catch (error) {
    sendJson(response, { jsonrpc: "2.0", id: URI_REQUEST_ID, error: toErrorObject(error) });
    return;
  }
  sendJson(response, await runMethod(method, URI_REQUEST_ID, params, context));
}

function applyCors(request: IncomingMessage, response: ServerResponse, allowed: readonly string[]): void {
  const origin = request.headers.origin;
  if (origin === undefined || allowed.length === 0) return;
  if (allowed.includes("*")) response.setHeader("Access-Control-Allow-Origin", "*");
  else if (allowed.includes(origin)) {
    response.setHeader("Access-Control-Allow-Origin", origin);
    response.setHeader("Vary", "Origin");
  }
}

function sendJson(response: ServerResponse, body: Json | undefined): void {
  if (body === undefined) {
    // Only notifications were sent: JSON-RPC says there is nothing to answer.
    response.writeHead(200, { "Content-Length": "0" });
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(200, {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(text)),
  });
  response.end(text);
}

/** The body as text, or undefined when it exceeds maxBodyBytes (then read to its end and dropped,
 * unless it is beyond MAX_DISCARDED_BODY_BYTES: then the answer closes the connection) or when the
 * client went away (then the answer goes nowhere, harmlessly). */
function readBody(request: IncomingMessage, maxBodyBytes: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const declared = Number(request.headers["content-length"] ?? 0);
    if (declared > MAX_DISCARDED_BODY_BYTES) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    request.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received <= maxBodyBytes) chunks.push(chunk);
      else {
        chunks.length = 0;
        if (received > MAX_DISCARDED_BODY_BYTES) request.socket.destroy();
      }
    });
    request.on("end", () =>
      resolve(received > maxBodyBytes ? undefined : Buffer.concat(chunks).toString("utf8")),
    );
    request.on("error", () => resolve(undefined));
    request.on("close", () => resolve(undefined));
  });
}

function routeListHtml(host: string): string {
  const safeHost = host.replace(/[^A-Za-z0-9.:[\]-]/g, "");
  const names = Object.keys(METHODS).sort();
  const plain = names.filter((name) => METHODS[name]!.params.length === 0);
  const withArgs = names.filter((name) => METHODS[name]!.params.length > 0);
  const link = (path: string): string => `<a href="//${safeHost}/${path}">//${safeHost}/${path}</a></br>`;
  return [
    "<html><body><br>Available endpoints:<br>",
    ...plain.map((name) => link(name)),
    "<br>Endpoints that require arguments:<br>",
    ...withArgs.map((name) => link(`${name}?${METHODS[name]!.params.map((p) => `${p}=_`).join("&")}`)),
    "</body></html>",
  ].join("\n");
}
