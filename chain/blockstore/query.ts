// The CometBFT query language (libs/pubsub/query/syntax, v0.38): conditions joined by AND;
// `tag op value` or `tag EXISTS`; operators =, <, <=, >, >=, CONTAINS; values 'strings' (no escapes),
// numbers (digits with an optional fraction), DATE yyyy-mm-dd and TIME RFC 3339.
import type { Timestamp } from "../types/block.ts";
import { TimestampError } from "../types/errors.ts";
import { parseTimestamp } from "../types/time.ts";

/** rpc/core maxQueryLength: longer queries are refused before parsing. */
export const MAX_QUERY_LENGTH = 512;

export class QueryError extends Error {
  readonly code = "invalid_query";
}

export type Operator = "=" | "<" | "<=" | ">" | ">=" | "CONTAINS" | "EXISTS";

/** An exact decimal: value = digits / 10^scale. */
export interface DecimalNumber {
  digits: bigint;
  scale: number;
}

export type QueryValue =
  | { kind: "string"; text: string }
  | { kind: "number"; text: string; number: DecimalNumber }
  | { kind: "time"; text: string; time: Timestamp }
  | { kind: "date"; text: string; time: Timestamp };

export interface Condition {
  tag: string;
  op: Operator;
  /** Undefined only for EXISTS. */
  value: QueryValue | undefined;
}

const MIN_QUERY_YEAR = 1900;
const MAX_QUERY_YEAR = 2999;

export function parseDecimal(text: string): DecimalNumber | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) return undefined;
  const fraction = match[3] ?? "";
  const digits = BigInt(match[2]! + fraction);
  return { digits: match[1] === "-" ? -digits : digits, scale: fraction.length };
}

export function compareDecimals(a: DecimalNumber, b: DecimalNumber): number {
  const scale = Math.max(a.scale, b.scale);
  const left = a.digits * 10n ** BigInt(scale - a.scale);
  const right = b.digits * 10n ** BigInt(scale - b.scale);
  return left < right ? -1 : left > right ? 1 : 0;
}

function isTagChar(ch: string): boolean {
  return ch === "." || ch === "_" || /^[\p{L}\p{Nd}]$/u.test(ch);
}

type Token =
  | { type: "tag"; text: string; at: number }
  | { type: "value"; value: QueryValue; at: number }
  | { type: "op"; op: Operator; at: number }
  | { type: "and"; at: number };

function tokenize(query: string): Token[] {
  const chars = [...query];
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string): never => {
    throw new QueryError(`invalid query at offset ${i}: ${message}`);
  };
  while (i < chars.length) {
    const ch = chars[i]!;
    const at = i;
    if (/\s/u.test(ch)) {
      i++;
    } else if (ch >= "0" && ch <= "9") {
      let text = "";
      while (i < chars.length && chars[i]! >= "0" && chars[i]! <= "9") text += chars[i++];
      if (chars[i] === ".") {
        text += chars[i++];
        while (i < chars.length && chars[i]! >= "0" && chars[i]! <= "9") text += chars[i++];
      }
      const number = parseDecimal(text.endsWith(".") ? `${text}0` : text);
      if (number === undefined) fail(`bad number ${text}`);
      tokens.push({ type: "value", value: { kind: "number", text, number: number! }, at });
    } else if (ch === "'") {
      i++;
      let text = "";
      while (i < chars.length && chars[i] !== "'") text += chars[i++];
      if (i >= chars.length) fail("unterminated string");
      i++;
      tokens.push({ type: "value", value: { kind: "string", text }, at });
    } else if (ch === "<" || ch === ">" || ch === "=") {
      i++;
      if (ch !== "=" && chars[i] === "=") {
        i++;
        tokens.push({ type: "op", op: ch === "<" ? "<=" : ">=", at });
      } else tokens.push({ type: "op", op: ch as Operator, at });
    } else if (isTagChar(ch)) {
      let text = "";
      while (i < chars.length && isTagChar(chars[i]!)) text += chars[i++];
      if ((text === "TIME" || text === "DATE") && chars[i] === " ") {
        i++;
        const allowed = text === "TIME" ? /[-T:+Z0-9]/ : /[-0-9]/;
        let stamp = "";
        while (i < chars.length && allowed.test(chars[i]!)) stamp += chars[i++];
        tokens.push({ type: "value", value: parseStamp(text, stamp, fail), at });
      } else if (text === "AND") tokens.push({ type: "and", at });
      else if (text === "EXISTS") tokens.push({ type: "op", op: "EXISTS", at });
      else if (text === "CONTAINS") tokens.push({ type: "op", op: "CONTAINS", at });
      else tokens.push({ type: "tag", text, at });
    } else fail(`unexpected character ${JSON.stringify(ch)}`);
  }
  return tokens;
}

function parseStamp(kind: "TIME" | "DATE", text: string, fail: (message: string) => never): QueryValue {
  let time: Timestamp;
  try {
    // DATE is midnight UTC; TIME is RFC 3339 without a fraction (Go's time.RFC3339 layout).
    if (kind === "DATE") {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) fail(`invalid DATE value ${JSON.stringify(text)}`);
      time = parseTimestamp(`${text}T00:00:00Z`);
    } else time = parseTimestamp(text);
  } catch (error) {
    if (error instanceof TimestampError) fail(`invalid ${kind} value ${JSON.stringify(text)}`);
    throw error;
  }
  const year = Number(text.slice(0, 4));
  if (year < MIN_QUERY_YEAR || year > MAX_QUERY_YEAR) fail(`${kind} year ${year} out of range`);
  return kind === "DATE" ? { kind: "date", text, time: time! } : { kind: "time", text, time: time! };
}

/** Parses a query into its conditions; throws QueryError with the offset of the first problem. */
export function parseQuery(query: string): Condition[] {
  if (query.length > MAX_QUERY_LENGTH)
    throw new QueryError(`query is ${query.length} characters, the maximum is ${MAX_QUERY_LENGTH}`);
  const tokens = tokenize(query);
  if (tokens.length === 0) throw new QueryError("empty query");
  const conditions: Condition[] = [];
  let i = 0;
  while (true) {
    const tag = tokens[i];
    if (tag?.type !== "tag") throw new QueryError(`expected a tag at offset ${tag?.at ?? query.length}`);
    const op = tokens[i + 1];
    if (op?.type !== "op") throw new QueryError(`expected an operator after ${tag.text}`);
    if (op.op === "EXISTS") {
      conditions.push({ tag: tag.text, op: "EXISTS", value: undefined });
      i += 2;
    } else {
      const value = tokens[i + 2];
      if (value?.type !== "value") throw new QueryError(`expected a value after ${tag.text} ${op.op}`);
      checkOperand(tag.text, op.op, value.value);
      conditions.push({ tag: tag.text, op: op.op, value: value.value });
      i += 3;
    }
    if (i === tokens.length) return conditions;
    if (tokens[i]!.type !== "and") throw new QueryError(`expected AND at offset ${tokens[i]!.at}`);
    i++;
  }
}

function checkOperand(tag: string, op: Operator, value: QueryValue): void {
  if (op === "CONTAINS" && value.kind !== "string")
    throw new QueryError(`${tag} CONTAINS needs a quoted string, got ${value.kind}`);
  if ((op === "<" || op === "<=" || op === ">" || op === ">=") && value.kind === "string")
    throw new QueryError(`${tag} ${op} needs a number, DATE or TIME, got a string`);
}
