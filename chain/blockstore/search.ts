// tx_search and block_search over the block store's indexes. The index proposes candidates (one
// source, chosen by the plan below); conditions the index key cannot decide are then checked
// against the stored events. Every scan is bounded; an over-broad query fails with a typed error.
import type { Event } from "../app/abci.ts";
import { toHex } from "../types/bytes.ts";
import {
  eventPrefix,
  heightBytes,
  MAX_INDEXED_STRING_BYTES,
  PREFIX,
  prefixEnd,
  readHeight,
  readUint32,
} from "./keys.ts";
import { eventsMatch, valueMatches } from "./match.ts";
import { type Condition, parseQuery } from "./query.ts";

/** Index entries one search may read. Each is a key-only LevelDB step (~1 µs); 200k keeps a search
 * well under a second while covering any realistic filtered query. */
export const MAX_SEARCH_SCANNED_KEYS = 200_000;
/** Stored txs or block results one search may load to check conditions the index cannot decide. */
export const MAX_SEARCH_LOADED_RECORDS = 20_000;
/** rpc/core maxPerPage. */
export const MAX_PER_PAGE = 100;

export class SearchError extends Error {
  readonly code: "query_too_broad" | "invalid_page";
  constructor(code: "query_too_broad" | "invalid_page", message: string) {
    super(message);
    this.code = code;
  }
}

export interface KeyIterable {
  keys(options: { gte: Uint8Array; lt: Uint8Array }): AsyncIterable<Uint8Array>;
}

export interface SearchHit {
  height: bigint;
  /** Tx index in its block; 0 for block search. */
  index: number;
  /** Tx hash; empty for block search. */
  hash: Uint8Array;
}

interface HeightBounds {
  low: bigint;
  high: bigint;
}

/** Inclusive height bounds implied by the numeric conditions on `heightTag`; others stay unbounded. */
function heightBounds(conditions: readonly Condition[], heightTag: string): HeightBounds {
  const bounds = { low: 0n, high: 2n ** 63n - 1n };
  for (const condition of conditions) {
    if (condition.tag !== heightTag || condition.value?.kind !== "number") continue;
    const { digits, scale } = condition.value.number;
    const divisor = 10n ** BigInt(scale);
    const floor = digits / divisor;
    const exact = digits % divisor === 0n;
    const ceil = exact ? floor : floor + 1n;
    switch (condition.op) {
      case "=":
        if (!exact) return { low: 1n, high: 0n };
        bounds.low = bounds.low > floor ? bounds.low : floor;
        bounds.high = bounds.high < floor ? bounds.high : floor;
        break;
      case ">":
        bounds.low = bounds.low > floor + 1n ? bounds.low : floor + 1n;
        break;
      case ">=":
        bounds.low = bounds.low > ceil ? bounds.low : ceil;
        break;
      case "<":
        bounds.high = bounds.high < ceil - 1n ? bounds.high : ceil - 1n;
        break;
      case "<=":
        bounds.high = bounds.high < floor ? bounds.high : floor;
        break;
    }
  }
  return bounds;
}

function isHeightCondition(condition: Condition, heightTag: string): boolean {
  return condition.tag === heightTag && condition.value?.kind === "number" && condition.op !== "CONTAINS";
}

export interface SearchPlan {
  conditions: Condition[];
  bounds: HeightBounds;
}

/** What a tx or block search needs from the store. */
export interface SearchSource {
  db: KeyIterable;
  eventPrefixByte: number;
  heightTag: string;
  /** Implicit tags other than the height tag (tx.hash). */
  implicitTags: ReadonlySet<string>;
  /** The value of an implicit tag for a hit whose events have been loaded. */
  implicitValue(tag: string, hit: SearchHit): string;
  /** Events of one hit, or undefined if the record is gone (pruned or stale index entry). May fill
   * in `hit.hash`. */
  loadEvents(hit: SearchHit): Promise<Event[] | undefined>;
  /** Candidates when no event condition can drive the search (all txs / all heights in bounds). */
  scanAll(bounds: HeightBounds, budget: ScanBudget): Promise<SearchHit[]>;
  /** Direct lookup for tx.hash = X. */
  lookup?(conditions: readonly Condition[]): Promise<SearchHit[] | undefined>;
}

export class ScanBudget {
  #keys = 0;
  step(): void {
    if (++this.#keys > MAX_SEARCH_SCANNED_KEYS)
      throw new SearchError(
        "query_too_broad",
        `query matches more than ${MAX_SEARCH_SCANNED_KEYS} index entries; add conditions (tx.height range, an attribute value)`,
      );
  }
}

/** Chooses the event condition that drives the scan: string equality first, then any other. */
function drivingCondition(conditions: readonly Condition[], source: SearchSource): Condition | undefined {
  const events = conditions.filter((c) => c.tag !== source.heightTag && !source.implicitTags.has(c.tag));
  return events.find((c) => c.op === "=" && c.value?.kind === "string") ?? events[0];
}

const textDecoder = new TextDecoder();

/** Reads (value text or undefined if hashed, height, index) from an event index key. */
function parseEventKey(key: Uint8Array, prefixLength: number, withIndex: boolean) {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const valueLength = view.getUint16(prefixLength);
  const valueBytes = key.subarray(prefixLength + 2, prefixLength + 2 + valueLength);
  const rest = prefixLength + 2 + valueLength;
  const hashed = valueLength > MAX_INDEXED_STRING_BYTES || valueBytes[0] === 0xff;
  return {
    value: hashed ? undefined : textDecoder.decode(valueBytes),
    height: readHeight(key, rest),
    index: withIndex ? readUint32(key, rest + 8) : 0,
  };
}

async function scanEventIndex(
  source: SearchSource,
  driver: Condition,
  bounds: HeightBounds,
  budget: ScanBudget,
): Promise<{ hits: SearchHit[]; decided: boolean }> {
  const withIndex = source.eventPrefixByte === PREFIX.txEvent;
  const exactValue = driver.op === "=" && driver.value?.kind === "string" ? driver.value.text : undefined;
  const compositePrefix = eventPrefix(source.eventPrefixByte, driver.tag);
  const prefix =
    exactValue === undefined ? compositePrefix : eventPrefix(source.eventPrefixByte, driver.tag, exactValue);
  let gte = prefix;
  let lt = prefixEnd(prefix);
  if (exactValue !== undefined) {
    // Equality keys end in height ‖ index, so the height bounds become key bounds.
    gte = concat(prefix, heightBytes(bounds.low));
    if (bounds.high < 2n ** 63n - 1n) lt = concat(prefix, heightBytes(bounds.high + 1n));
  }
  const hits: SearchHit[] = [];
  let decided = true;
  for await (const key of source.db.keys({ gte, lt })) {
    budget.step();
    const parsed = parseEventKey(key, compositePrefix.length, withIndex);
    if (parsed.height < bounds.low || parsed.height > bounds.high) continue;
    if (parsed.value === undefined) decided = false;
    else if (!valueMatches(parsed.value, driver)) continue;
    hits.push({ height: parsed.height, index: parsed.index, hash: new Uint8Array(0) });
  }
  return { hits, decided };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Runs a query: all hits that satisfy every condition, sorted by (height, index) ascending. */
export async function runSearch(source: SearchSource, query: string): Promise<SearchHit[]> {
  const conditions = parseQuery(query);
  const bounds = heightBounds(conditions, source.heightTag);
  if (bounds.low > bounds.high) return [];
  const budget = new ScanBudget();
  let hits: SearchHit[];
  let undecided: Condition[];
  const direct = source.lookup === undefined ? undefined : await source.lookup(conditions);
  const driver = drivingCondition(conditions, source);
  if (direct !== undefined) {
    hits = direct;
    undecided = conditions;
  } else if (driver !== undefined) {
    const scanned = await scanEventIndex(source, driver, bounds, budget);
    hits = dedupe(scanned.hits);
    undecided = conditions.filter(
      (c) => !isHeightCondition(c, source.heightTag) && !(c === driver && scanned.decided),
    );
  } else {
    hits = await source.scanAll(bounds, budget);
    undecided = conditions.filter((c) => !isHeightCondition(c, source.heightTag));
  }
  if (undecided.length > 0) hits = await filterHits(source, hits, undecided);
  return hits.sort((a, b) => (a.height !== b.height ? (a.height < b.height ? -1 : 1) : a.index - b.index));
}

function dedupe(hits: SearchHit[]): SearchHit[] {
  const seen = new Set<string>();
  return hits.filter((hit) => {
    const id = `${hit.height}/${hit.index}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

async function filterHits(
  source: SearchSource,
  hits: SearchHit[],
  conditions: Condition[],
): Promise<SearchHit[]> {
  if (hits.length > MAX_SEARCH_LOADED_RECORDS)
    throw new SearchError(
      "query_too_broad",
      `query needs ${hits.length} records checked, the maximum is ${MAX_SEARCH_LOADED_RECORDS}; narrow it`,
    );
  const out: SearchHit[] = [];
  for (const hit of hits) {
    const events = await source.loadEvents(hit);
    if (events === undefined) continue;
    const ok = conditions.every((condition) => {
      if (condition.tag === source.heightTag) return valueMatches(hit.height.toString(), condition);
      if (source.implicitTags.has(condition.tag)) {
        // Implicit tags are hex hashes: compare case-insensitively, as CometBFT does for tx.hash.
        const value =
          condition.value?.kind === "string"
            ? { ...condition.value, text: condition.value.text.toUpperCase() }
            : condition.value;
        return valueMatches(source.implicitValue(condition.tag, hit).toUpperCase(), { ...condition, value });
      }
      return eventsMatch(events, condition);
    });
    if (ok) out.push(hit);
  }
  return out;
}

/** Sorts, pages and validates paging arguments. A page past the end is empty (the RPC reports it). */
export function pageOf<T>(
  items: T[],
  options: { page: number; perPage: number; orderBy: "asc" | "desc" },
): T[] {
  if (!Number.isSafeInteger(options.page) || options.page < 1)
    throw new SearchError("invalid_page", `page must be a positive integer, got ${options.page}`);
  const perPage = Math.min(Math.max(1, Math.floor(options.perPage)), MAX_PER_PAGE);
  const ordered = options.orderBy === "desc" ? [...items].reverse() : items;
  const start = (options.page - 1) * perPage;
  return ordered.slice(start, start + perPage);
}

export function hashHex(hash: Uint8Array): string {
  return toHex(hash).toUpperCase();
}
