// HTTP history of a device's readings (bridge-mqtt/README.md, Consumers), served on the node's RPC
// port:
//   GET /bridge/v1/readings?device_id=D035_0001&from_ms=…&to_ms=…[&limit=…][&after_sequence=…]
//   Authorization: Sensorchain <address>.<unix ms>.<base64 key>.<base64 signature>
// Readings with from_ms ≤ timestamp_ms < to_ms, by UTC day then sequence (sequence order for a
// device whose clock runs forward), each with its device signature and canonical bytes, and for a
// day with a final meter commitment the commitment and the reading's inclusion proof.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpRoute } from "../../chain/rpc/server.ts";
import { DEVICE_ID_PATTERN } from "../../modules/device/keys.ts";
import { dayOf } from "../../modules/meter/reading.ts";
import { decodeReadingPayload } from "../reading-codec.ts";
import type { ReadingStore } from "../reading-store.ts";
import type { DayProofs, ProvedDay } from "./day-proofs.ts";
import type { Entitlement, EntitlementChecker } from "./entitlements.ts";
import { authenticateConsumerHttp, ConsumerLoginRefused } from "./login.ts";
import { scanReadingFields } from "./reading-fields.ts";
import { type ReadingJson, readingToJson } from "./reading-json.ts";

export const HISTORY_PATH = "/bridge/v1/readings";
/** Readings in one answer by default and at most (a page: about 1 MB of JSON at the maximum). */
export const DEFAULT_HISTORY_LIMIT = 100;
export const MAX_HISTORY_LIMIT = 1_000;
/** Widest time range of one request, ms (31 days): the days walked are bounded too. */
export const MAX_HISTORY_RANGE_MS = 31 * 86_400_000;
/** Stored readings read per store page while looking for the range. */
const SCAN_PAGE = 1_000;
/** Readings read at most for one answer (a day at 1 Hz is 86,400): past it the answer ends with
 * `more` and the client continues from next_after_sequence. */
export const MAX_SCANNED_READINGS = 200_000;
/** How long browsers may cache the answer to a CORS preflight, seconds (as the RPC server). */
const CORS_MAX_AGE_SECONDS = 600;

export interface HistoryReading extends ReadingJson {
  /** Canonical protobuf bytes, base64: their sha256 is the meter leaf item. */
  bytes: string;
  proof?: { index: number; total: number; aunts: string[] };
  commitment?: { day: string; root: string; count: string; hash: string; height: string };
}

export interface HistoryAnswer {
  device_id: string;
  readings: HistoryReading[];
  /** True when readings in the range follow; ask again with after_sequence = next_after_sequence. */
  more: boolean;
  next_after_sequence?: string;
}

class HttpFailure extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "HttpFailure";
    this.status = status;
    this.code = code;
  }
}

export interface HistoryOptions {
  chainId: string;
  store: ReadingStore;
  entitlements: EntitlementChecker;
  proofs: DayProofs;
  now: () => number;
}

export function historyRoute(options: HistoryOptions): HttpRoute {
  return {
    pathPrefix: "/bridge/",
    async handle(request, response) {
      // A browser asks before sending Authorization across origins; the RPC server has set the
      // allowed origin (rpc.cors_allowed_origins) already.
      if (request.method === "OPTIONS") {
        response.writeHead(204, {
          "Access-Control-Allow-Methods": "GET, OPTIONS",
          "Access-Control-Allow-Headers": "Authorization",
          "Access-Control-Max-Age": String(CORS_MAX_AGE_SECONDS),
        });
        response.end();
        return;
      }
      try {
        const answer = await serve(options, request);
        sendJson(response, 200, answer);
      } catch (error) {
        if (!(error instanceof HttpFailure)) throw error;
        const headers: Record<string, string> =
          error.status === 401 ? { "WWW-Authenticate": "Sensorchain" } : {};
        sendJson(response, error.status, { error: { code: error.code, message: error.message } }, headers);
      }
    },
  };
}

async function serve(options: HistoryOptions, request: IncomingMessage): Promise<HistoryAnswer> {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (url.pathname !== HISTORY_PATH) throw new HttpFailure(404, "not_found", `no route ${url.pathname}`);
  if (request.method !== "GET") throw new HttpFailure(405, "method_not_allowed", "only GET");
  const query = parseQuery(url.searchParams);
  const nowMs = options.now();
  let account: string;
  try {
    account = authenticateConsumerHttp({
      chainId: options.chainId,
      authorization: request.headers.authorization,
      nowMs,
    });
  } catch (error) {
    if (error instanceof ConsumerLoginRefused) throw new HttpFailure(401, error.code, error.message);
    throw error;
  }
  let entitlement: Entitlement;
  try {
    entitlement = await options.entitlements.isEntitled(account, query.deviceId, nowMs);
  } catch (error) {
    throw new HttpFailure(503, "unavailable", `entitlement not known: ${(error as Error).message}`);
  }
  if (!entitlement.entitled) {
    if (entitlement.reason === "unknown_device")
      throw new HttpFailure(404, "unknown_device", `device ${query.deviceId} is not registered`);
    throw new HttpFailure(
      403,
      "not_entitled",
      `${account} is not the owner of ${query.deviceId} and has no open escrow or market grant for it`,
    );
  }
  return collect(options, query);
}

interface HistoryQuery {
  deviceId: string;
  fromMs: bigint;
  toMs: bigint;
  limit: number;
  afterSequence: bigint;
}

function parseQuery(params: URLSearchParams): HistoryQuery {
  const text = (name: string) => params.get(name) ?? undefined;
  const deviceId = text("device_id");
  if (deviceId === undefined || !DEVICE_ID_PATTERN.test(deviceId))
    throw new HttpFailure(400, "bad_request", "device_id must be a device id like D035_0001");
  const integer = (name: string, fallback?: bigint): bigint => {
    const value = text(name);
    if (value === undefined) {
      if (fallback !== undefined) return fallback;
      throw new HttpFailure(400, "bad_request", `${name} is required`);
    }
    if (!/^(0|[1-9][0-9]{0,18})$/.test(value))
      throw new HttpFailure(400, "bad_request", `${name} must be a non-negative integer`);
    return BigInt(value);
  };
  const fromMs = integer("from_ms");
  const toMs = integer("to_ms");
  if (toMs <= fromMs) throw new HttpFailure(400, "bad_request", "to_ms must be above from_ms");
  if (toMs - fromMs > BigInt(MAX_HISTORY_RANGE_MS))
    throw new HttpFailure(400, "bad_request", `the range may span at most ${MAX_HISTORY_RANGE_MS} ms`);
  const limit = integer("limit", BigInt(DEFAULT_HISTORY_LIMIT));
  if (limit < 1n || limit > BigInt(MAX_HISTORY_LIMIT))
    throw new HttpFailure(400, "bad_request", `limit must be 1 to ${MAX_HISTORY_LIMIT}`);
  return { deviceId, fromMs, toMs, limit: Number(limit), afterSequence: integer("after_sequence", 0n) };
}

async function collect(options: HistoryOptions, query: HistoryQuery): Promise<HistoryAnswer> {
  const { deviceId } = query;
  const readings: HistoryReading[] = [];
  let scanned = 0;
  let more = false;
  let lastSequence = query.afterSequence;
  days: for (let day = dayOf(query.fromMs); day <= dayOf(query.toMs - 1n); day++) {
    const dayStart = readings.length;
    let after = query.afterSequence;
    for (;;) {
      if (scanned >= MAX_SCANNED_READINGS) {
        more = true;
        break days;
      }
      const page = await options.store.dayReadingsAfter(deviceId, day, after, SCAN_PAGE);
      scanned += page.readings.length;
      for (const bytes of page.readings) {
        const { sequence, timestampMs } = scanReadingFields(bytes);
        lastSequence = sequence;
        if (timestampMs < query.fromMs || timestampMs >= query.toMs) continue;
        if (readings.length === query.limit) {
          more = true;
          break days;
        }
        const reading = decodeReadingPayload(bytes);
        readings.push({ ...readingToJson(reading), bytes: Buffer.from(bytes).toString("base64") });
      }
      after = page.lastSequence;
      if (!page.more) break;
    }
    if (readings.length > dayStart) await attachProofs(options, deviceId, day, readings.slice(dayStart));
  }
  if (more) {
    const last = readings.at(-1);
    const next = last === undefined ? lastSequence.toString() : last.sequence;
    return { device_id: deviceId, readings, more, next_after_sequence: next };
  }
  return { device_id: deviceId, readings, more };
}

async function attachProofs(
  options: HistoryOptions,
  deviceId: string,
  day: bigint,
  readings: HistoryReading[],
): Promise<void> {
  let proved: ProvedDay | undefined;
  try {
    proved = await options.proofs.provedDay(deviceId, day);
  } catch (error) {
    throw new HttpFailure(503, "unavailable", (error as Error).message);
  }
  if (proved === undefined) return;
  const { body, hash, finalHeight } = proved.commitment;
  const commitment = {
    day: body.day.toString(),
    root: Buffer.from(body.root).toString("base64"),
    count: body.count.toString(),
    hash: Buffer.from(hash).toString("base64"),
    height: finalHeight.toString(),
  };
  for (const reading of readings) {
    reading.commitment = commitment;
    const proof = proved.proofs.get(BigInt(reading.sequence));
    if (proof !== undefined)
      reading.proof = {
        index: proof.index,
        total: proof.total,
        aunts: proof.aunts.map((aunt) => Buffer.from(aunt).toString("base64")),
      };
  }
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  response.end(text);
}

/** The node's route for /bridge/: the bridge's history once it runs (it starts after the RPC
 * server), a JSON 503 before that and 404 when the node has no bridge. */
export function lateBridgeRoute(current: () => HttpRoute | undefined, enabled: boolean): HttpRoute {
  return {
    pathPrefix: "/bridge/",
    async handle(request, response) {
      const route = current();
      if (route !== undefined) return route.handle(request, response);
      const [status, code, message] = enabled
        ? [503, "unavailable", "the MQTT bridge is starting"]
        : [404, "bridge_disabled", "this node runs no MQTT bridge ([mqtt] enabled = false)"];
      sendJson(response, status, { error: { code, message } });
    },
  };
}
