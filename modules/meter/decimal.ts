// Decimal strings of readings and aggregates (README.md, Reading): exact, no floats. A value is
// -?(0|[1-9][0-9]*)(\.[0-9]*[1-9])? — one spelling per number, so equal numbers give equal bytes.
import { MAX_DECIMAL_CHARS } from "./keys.ts";

export const DECIMAL_PATTERN = /^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/;

export function isDecimal(text: string): boolean {
  return text.length <= MAX_DECIMAL_CHARS && DECIMAL_PATTERN.test(text) && text !== "-0";
}

/** units × 10^-scale. */
interface Scaled {
  units: bigint;
  scale: number;
}

function parse(text: string): Scaled {
  if (!isDecimal(text)) throw new RangeError(`${JSON.stringify(text)} is not a canonical decimal`);
  const [whole, fraction = ""] = text.split(".");
  return { units: BigInt(`${whole}${fraction}`.replace(/^(-?)0+(?=\d)/, "$1")), scale: fraction.length };
}

function align(a: Scaled, b: Scaled): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  let fraction = scale === 0 ? "" : digits.slice(digits.length - scale);
  digits = scale === 0 ? digits : digits.slice(0, digits.length - scale);
  fraction = fraction.replace(/0+$/, "");
  const text = fraction === "" ? digits : `${digits}.${fraction}`;
  return negative && text !== "0" ? `-${text}` : text;
}

export function addDecimals(a: string, b: string): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return format(x + y, scale);
}

export function compareDecimals(a: string, b: string): number {
  const [x, y] = align(parse(a), parse(b));
  return x < y ? -1 : x > y ? 1 : 0;
}
