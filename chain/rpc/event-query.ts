// The CometBFT query language for WebSocket subscriptions (`tm.event='Tx' AND tx.height=5`), matched
// against an event's composite keys ("type.attribute" -> values). Supports =, <, <=, >, >=, CONTAINS
// and EXISTS with 'string' and number operands; TIME/DATE operands are rejected. A condition holds
// when any value under its key satisfies it (CometBFT 0.38 semantics).
import { invalidParams } from "./errors.ts";

/** Longest subscription query accepted, in characters (CometBFT's maxQueryLength). */
export const MAX_QUERY_LENGTH = 512;
/** Conditions per query: matching cost is per event, so keep it small. */
export const MAX_QUERY_CONDITIONS = 16;

type Operator = "=" | "<" | "<=" | ">" | ">=" | "CONTAINS" | "EXISTS";
type Operand = { kind: "string"; value: string } | { kind: "number"; value: string };

interface Condition {
  key: string;
  operator: Operator;
  operand?: Operand;
}

export interface EventQuery {
  text: string;
  conditions: Condition[];
}

export type EventMap = Record<string, string[]>;

const TOKEN =
  /\s*(?:(AND)(?=\s|$)|(CONTAINS|EXISTS)(?=\s|$)|(<=|>=|=|<|>)|'([^']*)'|(-?[0-9]+(?:\.[0-9]+)?)(?![\w.])|([A-Za-z0-9_.\-/]+))/y;

type Token =
  | { type: "and" }
  | { type: "operator"; value: Operator }
  | { type: "string"; value: string }
  | { type: "number"; value: string }
  | { type: "key"; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < text.length) {
    if (/^\s*$/.test(text.slice(position))) break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(text);
    if (match === null)
      throw invalidParams(`invalid query at position ${position}: ${text.slice(position, position + 20)}`);
    position = TOKEN.lastIndex;
    if (match[1] !== undefined) tokens.push({ type: "and" });
    else if (match[2] !== undefined) tokens.push({ type: "operator", value: match[2] as Operator });
    else if (match[3] !== undefined) tokens.push({ type: "operator", value: match[3] as Operator });
    else if (match[4] !== undefined) tokens.push({ type: "string", value: match[4] });
    else if (match[5] !== undefined) tokens.push({ type: "number", value: match[5] });
    else tokens.push({ type: "key", value: match[6]! });
  }
  return tokens;
}

export function parseEventQuery(text: string): EventQuery {
  if (text.length === 0) throw invalidParams("query is empty");
  if (text.length > MAX_QUERY_LENGTH) throw invalidParams(`query longer than ${MAX_QUERY_LENGTH} characters`);
  const tokens = tokenize(text);
  const conditions: Condition[] = [];
  let i = 0;
  for (;;) {
    const key = tokens[i++];
    const operator = tokens[i++];
    if (key?.type !== "key" || operator?.type !== "operator") throw invalidParams(`invalid query: ${text}`);
    if (operator.value === "EXISTS") conditions.push({ key: key.value, operator: "EXISTS" });
    else {
      const operand = tokens[i++];
      if (operand?.type === "key" && (operand.value === "TIME" || operand.value === "DATE")) {
        throw invalidParams("TIME and DATE operands are not supported in subscriptions");
      }
      if (operand?.type !== "string" && operand?.type !== "number")
        throw invalidParams(`invalid query: ${text}`);
      conditions.push({
        key: key.value,
        operator: operator.value,
        operand: { kind: operand.type, value: operand.value },
      });
    }
    if (conditions.length > MAX_QUERY_CONDITIONS)
      throw invalidParams(`more than ${MAX_QUERY_CONDITIONS} conditions`);
    if (i === tokens.length) break;
    if (tokens[i++]?.type !== "and") throw invalidParams(`invalid query: ${text}`);
  }
  return { text, conditions };
}

function compareNumbers(a: string, b: string): number | undefined {
  if (!/^-?[0-9]+(\.[0-9]+)?$/.test(a)) return undefined;
  if (!a.includes(".") && !b.includes(".")) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return Math.sign(Number(a) - Number(b));
}

function holds(condition: Condition, value: string): boolean {
  const operand = condition.operand!;
  if (condition.operator === "CONTAINS") return value.includes(operand.value);
  const order =
    operand.kind === "number"
      ? compareNumbers(value, operand.value)
      : value < operand.value
        ? -1
        : value > operand.value
          ? 1
          : 0;
  if (order === undefined) return false;
  switch (condition.operator) {
    case "=":
      return order === 0;
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    default:
      return order >= 0;
  }
}

export function matchesEventQuery(query: EventQuery, events: EventMap): boolean {
  return query.conditions.every((condition) => {
    const values = Object.hasOwn(events, condition.key) ? events[condition.key]! : undefined;
    if (values === undefined || values.length === 0) return false;
    return condition.operator === "EXISTS" || values.some((value) => holds(condition, value));
  });
}
