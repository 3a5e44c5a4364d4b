// Evaluation of parsed conditions (CometBFT v0.38 kv indexer semantics): an event condition holds
// when some indexed attribute `<type>.<key>` of some event satisfies it; each condition may be
// satisfied by a different event. Values compare as strings, exact decimals, or instants.
import type { Event } from "../app/abci.ts";
import type { Timestamp } from "../types/block.ts";
import { TimestampError } from "../types/errors.ts";
import { compareTimestamps, parseTimestamp } from "../types/time.ts";
import { type Condition, compareDecimals, parseDecimal } from "./query.ts";

function compareWith(op: Condition["op"], order: number): boolean {
  switch (op) {
    case "=":
      return order === 0;
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
    default:
      return false;
  }
}

function parseAttributeTime(text: string): Timestamp | undefined {
  try {
    return parseTimestamp(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  } catch (error) {
    if (error instanceof TimestampError) return undefined;
    throw error;
  }
}

/** Whether one attribute value satisfies a condition. */
export function valueMatches(actual: string, condition: Condition): boolean {
  const { op, value } = condition;
  if (op === "EXISTS") return true;
  if (value === undefined) return false;
  switch (value.kind) {
    case "string":
      return op === "CONTAINS" ? actual.includes(value.text) : op === "=" && actual === value.text;
    case "number": {
      const number = parseDecimal(actual);
      return number !== undefined && compareWith(op, compareDecimals(number, value.number));
    }
    case "time":
    case "date": {
      const time = parseAttributeTime(actual);
      return time !== undefined && compareWith(op, compareTimestamps(time, value.time));
    }
  }
}

/** Whether some indexed attribute named `condition.tag` in `events` satisfies the condition. */
export function eventsMatch(events: readonly Event[], condition: Condition): boolean {
  for (const event of events) {
    if (!condition.tag.startsWith(`${event.type}.`)) continue;
    for (const attribute of event.attributes) {
      if (!attribute.index) continue;
      if (`${event.type}.${attribute.key}` !== condition.tag) continue;
      if (valueMatches(attribute.value, condition)) return true;
    }
  }
  return false;
}

/** Composite keys an event list contributes to the index: only attributes marked `index`, each
 * (composite key, value) once (equal pairs would write the same index key again: the SDK repeats
 * message.sender, coin_spent.spender, ... in every tx). A MsgSend has ~12 distinct pairs, so earlier
 * pairs are compared one by one (no id strings, no set) up to LINEAR_DEDUPE_PAIRS, then a set. */
export function indexedAttributes(events: readonly Event[]): { compositeKey: string; value: string }[] {
  const out: { compositeKey: string; value: string }[] = [];
  let seen: Set<string> | undefined;
  for (const event of events) {
    if (event.type === "") continue;
    for (const attribute of event.attributes) {
      if (!attribute.index || attribute.key === "") continue;
      const compositeKey = compositeKeyOf(event.type, attribute.key);
      const value = attribute.value;
      if (seen === undefined && out.length >= LINEAR_DEDUPE_PAIRS) {
        seen = new Set();
        for (const pair of out) seen.add(pairId(pair.compositeKey, pair.value));
      }
      if (seen === undefined) {
        if (hasPair(out, compositeKey, value)) continue;
      } else {
        const id = pairId(compositeKey, value);
        if (seen.has(id)) continue;
        seen.add(id);
      }
      out.push({ compositeKey, value });
    }
  }
  return out;
}

function hasPair(
  pairs: readonly { compositeKey: string; value: string }[],
  compositeKey: string,
  value: string,
) {
  for (const pair of pairs) if (pair.value === value && pair.compositeKey === compositeKey) return true;
  return false;
}

/** Distinct pairs compared linearly before indexedAttributes switches to a set (quadratic below it);
 * encodedEventKeys handles this many and leaves a tx with more to indexedAttributes. */
export const LINEAR_DEDUPE_PAIRS = 64;

/** Length-prefixed, so no pair of strings can produce another pair's id. */
function pairId(compositeKey: string, value: string): string {
  return `${compositeKey.length}:${compositeKey}${value}`;
}

/** `type.key` strings, one object per pair, so that maps keyed by them (the block store's cached key
 * prefixes) find a string whose hash is already computed. Types and keys come from code: few, but
 * bounded in case a module makes them from data (then they are built each time). */
const MAX_CACHED_COMPOSITE_KEYS = 4_096;
const compositeKeys = new Map<string, Map<string, string>>();
let cachedCompositeKeys = 0;

function compositeKeyOf(type: string, key: string): string {
  let byKey = compositeKeys.get(type);
  let compositeKey = byKey?.get(key);
  if (compositeKey !== undefined) return compositeKey;
  compositeKey = `${type}.${key}`;
  if (cachedCompositeKeys >= MAX_CACHED_COMPOSITE_KEYS) return compositeKey;
  if (byKey === undefined) {
    byKey = new Map();
    compositeKeys.set(type, byKey);
  }
  byKey.set(key, compositeKey);
  cachedCompositeKeys++;
  return compositeKey;
}
