// HTTP route of the blob store on the node's RPC server (chain/rpc/server.ts extraRoutes):
//   GET|HEAD /blobs/<cid>  200 the bytes (application/octet-stream), 404 unknown, 400 bad CID
//   PUT /blobs/<cid>       201 stored, 200 already stored; 400 bad CID, 411 no length,
//                          413 over the size limit, 422 the body hashes to another CID,
//                          403 no identity token names the CID, 507 the store is full
// Errors are JSON {"error": {"code", "message"}} with the BlobErrorCode. Unlike JSON-RPC answers
// (always 200 for cosmjs), these are plain HTTP and use real status codes.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpRoute } from "../rpc/server.ts";
import { BlobError, type BlobErrorCode, type BlobStore, blobCid, parseBlobCid } from "./store.ts";

export const BLOBS_PATH_PREFIX = "/blobs/";
const STATUS: Readonly<
  Record<BlobErrorCode | "not_found" | "method_not_allowed" | "length_required", number>
> = {
  invalid_cid: 400,
  not_referenced: 403,
  not_found: 404,
  method_not_allowed: 405,
  length_required: 411,
  too_large: 413,
  cid_mismatch: 422,
  storage_full: 507,
};
const ALLOWED_METHODS = "GET, HEAD, PUT, OPTIONS";
/** How long browsers may cache a CORS preflight answer, in seconds. */
const CORS_MAX_AGE_SECONDS = 600;
/** Content is addressed by its hash: it never changes under a CID. */
const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";

export interface BlobRouteOptions {
  store: BlobStore;
  /** Whether committed state has a token naming this CID; blobs nobody references are refused, so
   * storage grows only with fee-paying registrations. Omit to accept any blob (tests, archives). */
  isReferenced?: (cid: string) => Promise<boolean>;
}

function sendError(
  response: ServerResponse,
  code: keyof typeof STATUS,
  message: string,
  close = false,
): void {
  const text = JSON.stringify({ error: { code, message } });
  response.writeHead(STATUS[code], {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(text)),
    ...(close ? { Connection: "close" } : {}),
  });
  response.end(text);
}

/** The body up to `limit` bytes; undefined when it is longer (then the connection is closed). */
function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    request.on("data", (chunk: Buffer) => {
      if (done) return;
      received += chunk.length;
      if (received > limit) {
        done = true;
        request.pause();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    request.on("end", () => {
      if (!done) resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    request.on("error", reject);
  });
}

async function put(
  request: IncomingMessage,
  response: ServerResponse,
  cid: string,
  options: BlobRouteOptions,
) {
  const { store } = options;
  const length = request.headers["content-length"];
  if (length === undefined && request.headers["transfer-encoding"] === undefined)
    return sendError(response, "length_required", "PUT needs a body", true);
  if (length !== undefined && Number(length) > store.maxBlobBytes)
    return sendError(
      response,
      "too_large",
      `blob of ${length} bytes is over the ${store.maxBlobBytes}-byte limit`,
      true,
    );
  const body = await readBody(request, store.maxBlobBytes);
  if (body === undefined)
    return sendError(response, "too_large", `blob is over the ${store.maxBlobBytes}-byte limit`, true);
  // The content check first: a blob that is not what its CID names is refused whoever asks.
  const actual = await blobCid(body);
  if (actual !== cid) return sendError(response, "cid_mismatch", `the body hashes to ${actual}, not ${cid}`);
  if (options.isReferenced !== undefined && !(await options.isReferenced(cid)))
    return sendError(
      response,
      "not_referenced",
      `no identity token names ${cid}: register or update the profile first`,
    );
  const created = await store.put(cid, body);
  response.writeHead(created ? 201 : 200, { "Content-Type": "application/json" });
  response.end(JSON.stringify({ cid, bytes: body.length, created }));
}

async function get(request: IncomingMessage, response: ServerResponse, cid: string, store: BlobStore) {
  request.resume();
  const blob = await store.get(cid);
  if (blob === undefined) return sendError(response, "not_found", `no blob ${cid}`);
  response.writeHead(200, {
    "Content-Type": "application/octet-stream",
    "Content-Length": String(blob.length),
    "Cache-Control": IMMUTABLE_CACHE,
  });
  response.end(request.method === "HEAD" ? undefined : blob);
}

export function blobRoute(options: BlobRouteOptions): HttpRoute {
  return {
    pathPrefix: BLOBS_PATH_PREFIX,
    async handle(request, response) {
      const path = new URL(request.url ?? "/", "http://localhost").pathname;
      const cid = decodeURIComponent(path.slice(BLOBS_PATH_PREFIX.length));
      if (request.method === "OPTIONS") {
        request.resume();
        response.writeHead(204, {
          "Access-Control-Allow-Methods": ALLOWED_METHODS,
          "Access-Control-Allow-Headers": "Content-Type",
          "Access-Control-Max-Age": String(CORS_MAX_AGE_SECONDS),
        });
        response.end();
        return;
      }
      try {
        parseBlobCid(cid);
        if (request.method === "GET" || request.method === "HEAD")
          return await get(request, response, cid, options.store);
        if (request.method === "PUT") return await put(request, response, cid, options);
        request.resume();
        response.setHeader("Allow", ALLOWED_METHODS);
        return sendError(response, "method_not_allowed", `${request.method} is not supported on blobs`);
      } catch (error) {
        if (!(error instanceof BlobError)) throw error;
        return sendError(response, error.code, error.message, !request.complete);
      }
    },
  };
}
