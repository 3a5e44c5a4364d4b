// bin/sensorchain.js (the `sensorchain` command) gives a node its 32 MB young generation by running
// `start` in a child with --max-semi-space-size=32. Which command a line names is decided where the
// CLI's parser decides it (chain/cli/program.ts): an argument "start" of another command, or a
// global flag's value "start", is not the start command. Real processes; a preloaded script prints
// each process's Node.js flags.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import test from "ava";
import { createProgram } from "../../chain/cli/program.ts";
import { NODE_BINARY, REPO_ROOT } from "../helpers/node-process.ts";

const LAUNCHER = join(REPO_ROOT, "bin/sensorchain.js");
const PRELOAD = join(REPO_ROOT, "test/cli/print-exec-argv.cjs");
const START_FLAG = "--max-semi-space-size=32";

/** The Node.js flags of every process one `sensorchain <args>` ran, launcher first. */
async function processFlags(args: string[]): Promise<string[][]> {
  const { stderr } = await promisify(execFile)(NODE_BINARY, [LAUNCHER, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: `--require ${PRELOAD}` },
  });
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("exec-argv "))
    .map((line) => (JSON.parse(line.slice("exec-argv ".length)) as { execArgv: string[] }).execArgv);
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
