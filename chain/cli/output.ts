// Command output: JSON by default (bigints as strings, bytes as base64), or indented text.
import type { OutputFormat } from "../config.ts";
import { toBase64 } from "../crypto/hash.ts";
import { CliError } from "./errors.ts";

export function toJsonValue(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return toBase64(value);
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, entry]) => entry !== undefined)
        .map(([key, entry]) => [key, toJsonValue(entry)]),
    );
  }
  return value;
}

function renderText(value: unknown, indent: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}[]`];
    return value.flatMap((entry) => {
      const lines = renderText(entry, `${indent}  `);
      const first = lines[0]!.trimStart();
      return [`${indent}- ${first}`, ...lines.slice(1)];
    });
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [`${indent}{}`];
    return entries.flatMap(([key, entry]) => {
      if (
        typeof entry === "object" &&
        entry !== null &&
        (Array.isArray(entry) ? entry.length > 0 : Object.keys(entry).length > 0)
      ) {
        return [`${indent}${key}:`, ...renderText(entry, `${indent}  `)];
      }
      return [`${indent}${key}: ${renderText(entry, "")[0]!}`];
    });
  }
  return [`${indent}${value === null ? "null" : String(value)}`];
}

export function formatOutput(value: unknown, format: OutputFormat): string {
  const json = toJsonValue(value);
  return format === "json" ? JSON.stringify(json, null, 2) : renderText(json, "").join("\n");
}

export function printOutput(value: unknown, format: OutputFormat): void {
  process.stdout.write(`${formatOutput(value, format)}\n`);
}

export function parseOutputFormat(text: string | undefined, fallback: OutputFormat): OutputFormat {
  if (text === undefined) return fallback;
  if (text !== "json" && text !== "text")
    throw new CliError("invalid_flag", `--output must be json or text, got ${JSON.stringify(text)}`);
  return text;
}
