// The node's log, per config.toml [log]: `json` lines through pino, or `plain` lines for a terminal
// ("12:00:01.234 INFO committed block height=3 txs=0").
import { pino } from "pino";
import type { LogFormat, LogLevel } from "../config.ts";

export interface CliLogger {
  trace(object: object | string, message?: string): void;
  debug(object: object | string, message?: string): void;
  info(object: object | string, message?: string): void;
  warn(object: object | string, message?: string): void;
  error(object: object | string, message?: string): void;
  fatal(object: object | string, message?: string): void;
}

const LEVEL_RANK: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: 100,
};
type Method = Exclude<LogLevel, "silent">;
const METHODS: Method[] = ["trace", "debug", "info", "warn", "error", "fatal"];

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.stack ?? value.message);
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "bigint") return value.toString();
  return JSON.stringify(value) ?? String(value);
}

function plainLogger(level: LogLevel, write: (line: string) => void): CliLogger {
  const threshold = LEVEL_RANK[level];
  const entry =
    (method: Method) =>
    (object: object | string, message?: string): void => {
      if (LEVEL_RANK[method] < threshold) return;
      const fields = typeof object === "string" ? {} : object;
      const text = typeof object === "string" ? object : (message ?? "");
      const pairs = Object.entries(fields).map(([key, value]) => `${key}=${formatValue(value)}`);
      const time = new Date().toISOString().slice(11, 23);
      write(`${time} ${method.toUpperCase().padEnd(5)} ${[text, ...pairs].join(" ")}\n`);
    };
  return Object.fromEntries(METHODS.map((method) => [method, entry(method)])) as unknown as CliLogger;
}

export function createLogger(options: { level: LogLevel; format: LogFormat }): CliLogger {
  if (options.format === "plain") return plainLogger(options.level, (line) => process.stderr.write(line));
  const logger = pino({ level: options.level, base: null }, pino.destination({ dest: 2, sync: true }));
  return logger as unknown as CliLogger;
}
