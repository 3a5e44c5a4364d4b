// The raw readings `sensorchain audit day` recomputes a day from, read from a file or a URL. Accepted
// forms (told apart by their first non-blank character):
//
//   JSON lines        one reading per line: the bridge's JSON reading form (bridge-mqtt/README.md,
//                     {"device_id","sequence","timestamp_ms","values","ciphertext","signature"}), or
//                     {"bytes": base64 canonical sensorchain.meter.v1.Reading, "proof"?: …}
//   a JSON document   {"readings": [entry, …]} — the bridge's HTTP history answer
//                     (GET /bridge/v1/readings, bridge-mqtt/README.md; pages followed while
//                     "more") — or a bare array [entry, …], entries as above
//
// An entry may carry its inclusion path `"proof": {"index", "total", "aunts": [base64 …]}` (history
// answers do for committed days); the audit then checks that reading alone against the root.
import { decodeReadingPayload } from "../../bridge-mqtt/reading-codec.ts";
import type { ReadingInclusionProof } from "../../light-client/reading-inclusion.ts";
import type { Reading } from "../../modules/meter/reading.ts";
import { STANDARD_BASE64 } from "../crypto/hash.ts";

/** Readings in one audit: a 1 Hz meter sends 86,400 a day; ten times that leaves room for fast
 * meters while keeping the audit's memory (a few hundred bytes per reading) bounded. */
export const MAX_AUDIT_READINGS = 864_000;
/** Largest readings file or HTTP answer, bytes: MAX_AUDIT_READINGS JSON readings of ~300 bytes. */
export const MAX_READINGS_INPUT_BYTES = 512 * 1024 * 1024;
/** History pages followed for one audit: a 1 Hz day is 87 pages of the bridge's largest (1,000). */
export const MAX_HISTORY_PAGES = 1_000;
/** Aunts in a path: log2 of the largest day (86,400,000 readings) rounded up. */
const MAX_PROOF_AUNTS = 27;

export class ReadingsInputError extends Error {
  readonly code = "invalid_readings";
  /** 1-based line (JSON lines) or entry index (documents) that failed. */
  readonly entry: number | undefined;
  constructor(message: string, entry?: number) {
    super(entry === undefined ? message : `entry ${entry}: ${message}`);
    this.entry = entry;
  }
}

export interface AuditReading {
  reading: Reading;
  proof?: ReadingInclusionProof;
}

function base64(value: unknown, field: string, entry: number): Uint8Array {
  if (typeof value !== "string" || !STANDARD_BASE64.test(value))
    throw new ReadingsInputError(`${field} must be standard base64`, entry);
  return new Uint8Array(Buffer.from(value, "base64"));
}

function proofOf(value: unknown, entry: number): ReadingInclusionProof {
  const proof = value as { index?: unknown; total?: unknown; aunts?: unknown };
  const integer = (v: unknown, field: string) => {
    const n = typeof v === "string" && /^[0-9]{1,10}$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)
      throw new ReadingsInputError(`proof.${field} must be a non-negative integer`, entry);
    return n;
  };
  if (typeof value !== "object" || value === null || !Array.isArray(proof.aunts))
    throw new ReadingsInputError("proof must be {index, total, aunts: [base64…]}", entry);
  if (proof.aunts.length > MAX_PROOF_AUNTS)
    throw new ReadingsInputError(`proof has ${proof.aunts.length} aunts, at most ${MAX_PROOF_AUNTS}`, entry);
  return {
    index: integer(proof.index, "index"),
    total: integer(proof.total, "total"),
    aunts: proof.aunts.map((aunt, i) => base64(aunt, `proof.aunts[${i}]`, entry)),
  };
}

function decodeEntry(value: unknown, entry: number): AuditReading {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ReadingsInputError("a reading must be a JSON object", entry);
  const object = value as Record<string, unknown>;
  let reading: Reading;
  try {
    if ("bytes" in object) reading = decodeReadingPayload(base64(object["bytes"], "bytes", entry));
    else {
      const { proof: _proof, ...rest } = object;
      reading = decodeReadingPayload(new TextEncoder().encode(JSON.stringify(rest)));
    }
  } catch (error) {
    if (error instanceof ReadingsInputError) throw error;
    throw new ReadingsInputError((error as Error).message, entry);
  }
  return object["proof"] === undefined || object["proof"] === null
    ? { reading }
    : { reading, proof: proofOf(object["proof"], entry) };
}

function entries(list: unknown[]): AuditReading[] {
  if (list.length > MAX_AUDIT_READINGS)
    throw new ReadingsInputError(`${list.length} readings, at most ${MAX_AUDIT_READINGS} per audit`);
  return list.map((value, i) => decodeEntry(value, i + 1));
}

/** Parses any accepted form; throws ReadingsInputError naming the entry that failed. */
export function parseReadingsInput(text: string): AuditReading[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[")) {
    const list = parseJson(trimmed);
    if (!Array.isArray(list)) throw new ReadingsInputError("not a JSON array of readings");
    return entries(list);
  }
  if (trimmed.startsWith("{")) {
    // A document with a readings array, or the first of several JSON lines.
    const firstLineEnd = trimmed.indexOf("\n");
    const single = firstLineEnd === -1 || trimmed.slice(firstLineEnd).trim() === "";
    if (single || /^\{\s*"readings"\s*:/.test(trimmed)) {
      const document = parseJson(trimmed) as { readings?: unknown };
      if (Array.isArray(document.readings)) return entries(document.readings);
      return [decodeEntry(document, 1)];
    }
  }
  const lines = text.split("\n");
  const result: AuditReading[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    if (result.length === MAX_AUDIT_READINGS)
      throw new ReadingsInputError(`more than ${MAX_AUDIT_READINGS} readings per audit`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ReadingsInputError("not JSON", i + 1);
    }
    result.push(decodeEntry(value, i + 1));
  }
  if (result.length === 0) throw new ReadingsInputError("no readings in the input");
  return result;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ReadingsInputError(`not JSON: ${(error as Error).message}`);
  }
}

/** Reads a file path or fetches an http(s) URL (bounded by MAX_READINGS_INPUT_BYTES in total). A
 * bridge history answer with `"more": true` is followed page by page (`after_sequence` set to its
 * `next_after_sequence`), up to MAX_HISTORY_PAGES pages and MAX_AUDIT_READINGS readings. */
export async function loadReadingsInput(
  source: string,
  options: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<AuditReading[]> {
  if (/^https?:\/\//.test(source)) {
    const url = new URL(source);
    const all: AuditReading[] = [];
    let budget = MAX_READINGS_INPUT_BYTES;
    for (let page = 1; ; page++) {
      const text = await fetchBounded(url.href, budget, options);
      budget -= Buffer.byteLength(text, "utf8");
      const entries = parseReadingsInput(text);
      if (all.length + entries.length > MAX_AUDIT_READINGS)
        throw new ReadingsInputError(`more than ${MAX_AUDIT_READINGS} readings per audit`);
      all.push(...entries);
      const next = nextPage(text);
      if (next === undefined) return all;
      if (page === MAX_HISTORY_PAGES)
        throw new ReadingsInputError(`${source} has more than ${MAX_HISTORY_PAGES} pages`);
      url.searchParams.set("after_sequence", next);
    }
  }
  const { readFile, stat } = await import("node:fs/promises");
  let size: number;
  try {
    size = (await stat(source)).size;
  } catch (error) {
    throw new ReadingsInputError(`cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  if (size > MAX_READINGS_INPUT_BYTES)
    throw new ReadingsInputError(`${source} is ${size} bytes, at most ${MAX_READINGS_INPUT_BYTES}`);
  return parseReadingsInput(await readFile(source, "utf8"));
}

/** The history answer's next `after_sequence` when it says there is more. */
function nextPage(text: string): string | undefined {
  if (!text.trimStart().startsWith("{")) return undefined;
  let document: { more?: unknown; next_after_sequence?: unknown };
  try {
    document = JSON.parse(text) as typeof document;
  } catch {
    return undefined;
  }
  if (document.more !== true) return undefined;
  const next = document.next_after_sequence;
  if (typeof next !== "string" || !/^[0-9]{1,20}$/.test(next))
    throw new ReadingsInputError("a history page says more but has no valid next_after_sequence");
  return next;
}

async function fetchBounded(
  url: string,
  limit: number,
  options: { headers?: Record<string, string>; signal?: AbortSignal },
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: options.headers ?? {},
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    throw new ReadingsInputError(`cannot fetch ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new ReadingsInputError(`${url} answered HTTP ${response.status}`);
  const length = Number(response.headers.get("content-length") ?? 0);
  if (length > limit) throw new ReadingsInputError(`${url} is ${length} bytes, over the input bound`);
  // Without (or despite) a content-length, the body is read up to the bound and no further.
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of response.body ?? []) {
    received += chunk.length;
    // Throwing out of the loop cancels the stream (the iterator's return()).
    if (received > limit) throw new ReadingsInputError(`${url} sent more than the input bound`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
