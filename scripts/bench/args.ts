// The command line of a benchmark: one declaration of its flags (name, type, default, meaning) that
// both parses strictly (node:util parseArgs: an unknown flag, a missing or malformed value is an
// error, not silently ignored) and prints `--help`. A bench file declares a `BenchCommand` with
// `benchCommand({...})`, exports it for scripts/bench/run.ts, and ends with
// `if (import.meta.main) await runBenchMain(command)`: exit code 0 after `--help`, 2 after a bad
// command line (the convention of getopt tools: 2 = usage error), else the bench's own outcome.
import { parseArgs } from "node:util";

/** Exit code of a bad command line (an unknown flag, a missing or malformed value). */
export const USAGE_EXIT_CODE = 2;

interface FlagBase {
  /** What the flag means, one line, for `--help`. */
  description: string;
}
/** A non-negative safe integer (a count, a size). */
export interface IntegerFlag extends FlagBase {
  type: "integer";
  default?: number;
  /** `--help`'s words for the default when it is not one number (e.g. "300 in the steady case"). */
  defaultText?: string;
}
/** A finite number (a rate, seconds). */
export interface NumberFlag extends FlagBase {
  type: "number";
  default?: number;
  defaultText?: string;
}
export interface StringFlag extends FlagBase {
  type: "string";
  default?: string;
  defaultText?: string;
  /** The only values accepted, when the flag names one of a few cases. */
  choices?: readonly string[];
}
/** Off unless given; `--no-<name>` turns it off again (after a default set by run.ts). */
export interface BooleanFlag extends FlagBase {
  type: "boolean";
}
export type BenchFlag = IntegerFlag | NumberFlag | StringFlag | BooleanFlag;
export type BenchFlags = Record<string, BenchFlag>;

type FlagValue<F> = F extends BooleanFlag
  ? boolean
  : F extends { default: infer D }
    ? D extends number
      ? number
      : string
    : F extends IntegerFlag | NumberFlag
      ? number | undefined
      : string | undefined;

/** The parsed command line, keyed by flag name as typed (`values["txs-per-account"]`). */
export type BenchFlagValues<S extends BenchFlags> = { [K in keyof S]: FlagValue<S[K]> };

export interface BenchCommand<S extends BenchFlags = BenchFlags> {
  /** The file's name without `.ts`, as run.ts selects it. */
  name: string;
  /** What the bench measures, one or two lines, for `--help`. */
  summary: string;
  flags: S;
  run: (values: BenchFlagValues<S>) => Promise<unknown> | unknown;
}

/** A command line the bench does not accept; `message` names the flag and what is wrong. */
export class BenchArgsError extends Error {
  readonly code = "BENCH_ARGS";
}

/** Declares a bench's command line; `const` keeps each flag's literal type so values are typed. */
export function benchCommand<const S extends BenchFlags>(command: BenchCommand<S>): BenchCommand<S> {
  return command;
}

/** Parses `argv` (flags only, no positionals) against the command's flags; `undefined` for
 * `--help`. Throws BenchArgsError for anything it does not accept. */
export function parseBenchFlags<S extends BenchFlags>(
  command: BenchCommand<S>,
  argv: readonly string[],
): BenchFlagValues<S> | undefined {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, flag] of Object.entries(command.flags))
    options[name] = { type: flag.type === "boolean" ? "boolean" : "string" };
  let parsed: Record<string, string | boolean | undefined>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowNegative: true }).values;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))
      throw new BenchArgsError((error as Error).message);
    throw error;
  }
  if (parsed.help === true) return undefined;
  const values: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(command.flags))
    values[name] = flagValue(name, flag, parsed[name]);
  return values as BenchFlagValues<S>;
}

function flagValue(name: string, flag: BenchFlag, raw: string | boolean | undefined): unknown {
  if (flag.type === "boolean") return raw === true;
  if (raw === undefined || typeof raw === "boolean") return flag.default;
  if (flag.type === "string") {
    if (flag.choices !== undefined && !flag.choices.includes(raw))
      throw new BenchArgsError(`--${name} must be one of ${flag.choices.join(", ")}, got '${raw}'`);
    return raw;
  }
  const value = raw.trim() === "" ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw new BenchArgsError(`--${name} must be a number, got '${raw}'`);
  if (flag.type === "integer" && !(Number.isSafeInteger(value) && value >= 0))
    throw new BenchArgsError(`--${name} must be a whole number >= 0, got '${raw}'`);
  return value;
}

/** `--help`'s text: the summary, then one line a flag with its default and meaning. */
export function benchUsage(command: BenchCommand): string {
  const lines = [
    `usage: node scripts/bench/${command.name}.ts [flags]   (or npm run bench -- ${command.name} [flags])`,
    "",
    command.summary,
    "",
    "flags:",
  ];
  const rows: [string, string][] = Object.entries(command.flags).map(([name, flag]) => {
    const left = flag.type === "boolean" ? `--${name}` : `--${name} <${flag.type}>`;
    const shown = flag.type === "boolean" ? "off" : (flag.defaultText ?? flag.default);
    const choices =
      flag.type === "string" && flag.choices !== undefined ? ` (${flag.choices.join("|")})` : "";
    return [left, `${flag.description}${choices}; default ${shown ?? "none"}`];
  });
  rows.push(["--help, -h", "print this and exit"]);
  const width = Math.max(...rows.map(([left]) => left.length));
  for (const [left, right] of rows) lines.push(`  ${left.padEnd(width)}  ${right}`);
  return lines.join("\n");
}

/** Parses the flags, then `--help` (prints, exit code 0), a bad command line (stderr, exit code 2)
 * or the bench itself. Returns whether the bench ran. */
export async function runBenchMain<S extends BenchFlags>(
  command: BenchCommand<S>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<boolean> {
  let values: BenchFlagValues<S> | undefined;
  try {
    values = parseBenchFlags(command, argv);
  } catch (error) {
    if (!(error instanceof BenchArgsError)) throw error;
    reportUsageError(command.name, error);
    return false;
  }
  if (values === undefined) {
    console.log(benchUsage(command as unknown as BenchCommand));
    return false;
  }
  await command.run(values);
  return true;
}

/** Prints a bad command line's reason and sets the usage exit code. */
export function reportUsageError(name: string, error: BenchArgsError): void {
  console.error(`${name}: ${error.message}\n(--help lists the flags)`);
  process.exitCode = USAGE_EXIT_CODE;
}
