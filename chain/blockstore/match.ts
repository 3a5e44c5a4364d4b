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
 * message.sender, coin_spent.spender, ... in every tx). */
export function indexedAttributes(events: readonly Event[]): { compositeKey: string; value: string }[] {
  const out: { compositeKey: string; value: string }[] = [];
  const seen = new Set<string>();
  for (const event of events) {
    if (event.type === "") continue;
    for (const attribute of event.attributes) {
      if (!attribute.index || attribute.key === "") continue;
      const compositeKey = `${event.type}.${attribute.key}`;
      // Length-prefixed, so no pair of strings can produce another pair's id.
      const id = `${compositeKey.length}:${compositeKey}${attribute.value}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ compositeKey, value: attribute.value });
    }
  }
  return out;
}
