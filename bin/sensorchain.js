#!/usr/bin/env node
// Launcher for the `sensorchain` command (package.json "bin"). The CLI is TypeScript that Node runs
// by stripping types: unflagged from Node 23.6 and 22.18, behind --experimental-strip-types from 22.6.
// This file is plain JS so any Node can start it; it then picks a Node that can run chain/cli.ts.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../chain/cli.ts", import.meta.url));
const pinnedNode = fileURLToPath(new URL("../node_modules/.bin/node", import.meta.url));
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
const canStripFlagged = major > 22 || (major === 22 && minor >= 6);
const stripsTypes =
  Boolean(process.features?.typescript) || process.execArgv.includes("--experimental-strip-types");

function run(command, args, env) {
  const child = spawn(command, args, { stdio: "inherit", env });
  // The child shares our terminal's process group, so Ctrl-C reaches it directly; forward other signals.
  for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  process.on("SIGINT", () => {});
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/** A node's Node.js flags and environment (bin/node-settings.json, which scripts/devnet.ts reads too):
 * V8 and glibc read them only at start-up, so `start` always runs in a child process with them. Read
 * as text, not imported, so that any Node that starts this file can load it. */
function nodeSettings() {
  const file = fileURLToPath(new URL("node-settings.json", import.meta.url));
  const settings = JSON.parse(readFileSync(file, "utf8"));
  const flags = settings.flags.map((entry) => entry.flag);
  const env = Object.fromEntries(settings.env.map((entry) => [entry.name, entry.value]));
  if (!flags.every((flag) => typeof flag === "string" && flag.startsWith("--")))
    throw new Error(`${file}: every flags[].flag must be a string starting with --`);
  if (!Object.values(env).every((value) => typeof value === "string"))
    throw new Error(`${file}: every env[].value must be a string`);
  return { flags, env };
}
/** The global flags of chain/cli/program.ts that take a value: the word after one is that value,
 * never the command (`--home start keys list` is a keys command). test/cli/launcher.test.ts builds
 * its command line from program.ts's options, so a flag missing here fails it. */
const GLOBAL_FLAGS_WITH_VALUE = new Set([
  "--home",
  "-o",
  "--output",
  "--keyring-backend",
  "--keyring-passphrase",
]);

/** The command word of a command line, where chain/cli/program.ts (leadingVerbs) finds it: the
 * first word that is neither a flag nor a global flag's value; none after `--`. An argument of
 * another command (`keys add start`) is not it. */
function commandWord(args) {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("-")) return arg;
    if (arg === "--") return undefined;
    if (GLOBAL_FLAGS_WITH_VALUE.has(arg)) i++;
  }
  return undefined;
}

const isStart = commandWord(process.argv.slice(2)) === "start";

// Only `start` runs a node, so only it gets the node's flags and environment.
const node = isStart ? nodeSettings() : { flags: [], env: {} };
const nodeFlags = node.flags;
const childEnv = { ...node.env, ...process.env };

if (stripsTypes && !isStart) {
  await import(cli);
} else if (stripsTypes) {
  run(process.execPath, [...nodeFlags, cli, ...process.argv.slice(2)], childEnv);
} else if (canStripFlagged) {
  run(
    process.execPath,
    [
      ...nodeFlags,
      "--experimental-strip-types",
      "--no-warnings=ExperimentalWarning",
      cli,
      ...process.argv.slice(2),
    ],
    childEnv,
  );
} else if (existsSync(pinnedNode)) {
  // An older system node (e.g. 20): use the Node 24 that `npm install` put in node_modules.
  run(pinnedNode, [...nodeFlags, cli, ...process.argv.slice(2)], childEnv);
} else {
  process.stderr.write(
    `sensorchain needs Node.js >= 22.6 (23.6+ or 22.18+ recommended); this is ${process.version}.\n` +
      "Run `npm install` in the sensorchain folder to get the pinned Node 24, or install a newer Node.\n",
  );
  process.exit(1);
}
