// bin/sensorchain.js (the `sensorchain` command) gives a node its 32 MB young generation by running
// `start` in a child with --max-semi-space-size=32. Which command a line names is decided where the
// CLI's parser decides it (chain/cli/program.ts): an argument "start" of another command, or a
// global flag's value "start", is not the start command. `start` also gets MALLOC_ARENA_MAX=2 (2 glibc
// malloc arenas) unless the environment sets its own. Real processes; a preloaded script prints each
// process's Node.js flags and MALLOC_ARENA_MAX.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import test from "ava";
import { createProgram } from "../../chain/cli/program.ts";
import { VALIDATOR_NODE_ENV, VALIDATOR_NODE_FLAGS } from "../../scripts/devnet.ts";
import { NODE_BINARY, REPO_ROOT } from "../helpers/node-process.ts";

const LAUNCHER = join(REPO_ROOT, "bin/sensorchain.js");
const PRELOAD = join(REPO_ROOT, "test/cli/print-exec-argv.cjs");
const START_FLAG = "--max-semi-space-size=32";

interface ProcessSettings {
  execArgv: string[];
  mallocArenaMax: string | null;
  env: Record<string, string>;
}

/** The Node.js flags and MALLOC_ARENA_MAX of every process one `sensorchain <args>` ran, launcher
 * first; `env` is added to the launcher's environment. */
async function processSettings(args: string[], env: Record<string, string> = {}): Promise<ProcessSettings[]> {
  const { MALLOC_ARENA_MAX: _inherited, ...base } = process.env;
  const { stderr } = await promisify(execFile)(NODE_BINARY, [LAUNCHER, ...args], {
    cwd: REPO_ROOT,
    env: { ...base, ...env, NODE_OPTIONS: `--require ${PRELOAD}` },
  });
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("exec-argv "))
    .map((line) => JSON.parse(line.slice("exec-argv ".length)) as ProcessSettings);
}

async function processFlags(args: string[]): Promise<string[][]> {
  return (await processSettings(args)).map((settings) => settings.execArgv);
}

test('an argument or a global flag\'s value "start" does not make a command start', async (t) => {
  // Every global flag that takes a value, given "start": the launcher must skip each value as the
  // parser does (a flag added to program.ts but not to the launcher fails here).
  const flagValues: string[] = [];
  for (const option of (await createProgram(["keys"])).options)
    if (option.required || option.optional) flagValues.push(option.long ?? option.short!, "start");
  t.true(flagValues.includes("--home"), "the global flags were found");
  const flags = await processFlags([...flagValues, "keys", "add", "start", "--help"]);
  t.is(flags.length, 1, "the CLI ran in the launcher's own process");
  t.false(flags[0]!.includes(START_FLAG));
});

test("start runs in a child with the young generation flag, after a global flag and its value", async (t) => {
  const home = await mkdtemp(join(tmpdir(), "sensorchain-launcher-"));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const flags = await processFlags(["--home", home, "start", "--help"]);
  t.is(flags.length, 2, "launcher and child");
  t.false(flags[0]!.includes(START_FLAG));
  t.true(flags[1]!.includes(START_FLAG));
});

test("start runs with 2 malloc arenas unless the environment sets its own; other commands keep theirs", async (t) => {
  const home = await mkdtemp(join(tmpdir(), "sensorchain-launcher-"));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const started = await processSettings(["--home", home, "start", "--help"]);
  t.deepEqual(
    started.map((settings) => settings.mallocArenaMax),
    [null, "2"],
  );
  const own = await processSettings(["--home", home, "start", "--help"], { MALLOC_ARENA_MAX: "4" });
  t.deepEqual(
    own.map((settings) => settings.mallocArenaMax),
    ["4", "4"],
  );
  const keys = await processSettings(["--home", home, "keys", "list"]);
  t.deepEqual(
    keys.map((settings) => settings.mallocArenaMax),
    [null],
  );
});

test("a devnet node gets the same Node.js flags and environment as the launcher's start", async (t) => {
  const home = await mkdtemp(join(tmpdir(), "sensorchain-launcher-"));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const [launcher, start] = await processSettings(["--home", home, "start", "--help"]);
  t.deepEqual(start!.execArgv.slice(0, VALIDATOR_NODE_FLAGS.length), VALIDATOR_NODE_FLAGS);
  t.true(VALIDATOR_NODE_FLAGS.includes(START_FLAG));
  const added = Object.fromEntries(
    Object.entries(start!.env).filter(([name, value]) => launcher!.env[name] !== value),
  );
  t.deepEqual(added, VALIDATOR_NODE_ENV);
});
