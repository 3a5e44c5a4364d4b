// The benches' command line (scripts/bench/args.ts) as real processes: an unknown flag or a bad
// value is refused with exit code 2 and a line naming it, before anything is measured; `--help`
// lists every flag with its default and exits 0; run.ts passes a bench's flags through to it.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import test from "ava";
import { NODE_BINARY, REPO_ROOT } from "../helpers/node-process.ts";

const run = promisify(execFile);

async function bench(file: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(NODE_BINARY, [join("scripts/bench", file), ...args], {
      cwd: REPO_ROOT,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

test("an unknown flag is refused with exit code 2 before the bench runs", async (t) => {
  const result = await bench("device.ts", ["--acounts", "10"]);
  t.is(result.code, 2);
  t.regex(result.stderr, /--acounts/);
  t.regex(result.stderr, /--help/);
  t.is(result.stdout, "", "nothing was measured");
});

test("a malformed value is refused with exit code 2 naming the flag", async (t) => {
  const notANumber = await bench("market.ts", ["--listings", "many"]);
  t.is(notANumber.code, 2);
  t.regex(notANumber.stderr, /--listings must be a number, got 'many'/);
  const missing = await bench("escrow.ts", ["--block-size"]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /--block-size/);
  const badCase = await bench("replay.ts", ["--case", "steddy"]);
  t.is(badCase.code, 2);
  t.regex(badCase.stderr, /--case must be one of steady, saturated, both, got 'steddy'/);
});

test("--help lists every flag with its default and exits 0", async (t) => {
  const result = await bench("device.ts", ["--help"]);
  t.is(result.code, 0);
  t.regex(result.stdout, /--accounts <integer> +genesis-funded signers; default 1000/);
  t.regex(result.stdout, /--txs-per-account <integer> +.*; default 2/);
  t.regex(result.stdout, /--block-size <integer> +.*; default 500/);
  t.regex(result.stdout, /--help, -h/);
  t.notRegex(result.stdout, /tx\/s/, "nothing was measured");
  const replay = await bench("replay.ts", ["-h"]);
  t.is(replay.code, 0);
  t.regex(replay.stdout, /--case <string> +.*\(steady\|saturated\|both\); default both/);
  t.regex(replay.stdout, /--compare-without-pool +.*; default off/);
});

test("run.ts passes a bench's flags through, refuses unknown ones and unknown benches", async (t) => {
  const help = await bench("run.ts", ["light", "--help"]);
  t.is(help.code, 0);
  t.regex(help.stdout, /--headers <integer> +.*; default 1000/);
  const unknownFlag = await bench("run.ts", ["crypto", "--rounds", "3"]);
  t.is(unknownFlag.code, 2);
  t.regex(unknownFlag.stderr, /--rounds/);
  const unknownBench = await bench("run.ts", ["crytpo"]);
  t.is(unknownBench.code, 2);
  t.regex(unknownBench.stderr, /unknown benchmark crytpo/);
  const ran = await bench("run.ts", ["light", "--headers", "20", "--skip-node"]);
  t.is(ran.code, 0);
  t.regex(ran.stdout, /light client, 4 validators, 20-header chain/);
});

test("tx, device-verify and external-bridge: --help lists their flags; a bad one exits 2", async (t) => {
  const expected: [string, RegExp[]][] = [
    [
      "tx.ts",
      [
        /--accounts <integer> +.*; default 2000/,
        /--txsPerAccount <integer> +.*; default 2/,
        /--poolSize <integer> +.*; default os\.availableParallelism\(\)/,
        /--warmupTxsPerAccount <integer> +.*; default 1/,
        /--profile <string> +.*; default none/,
        /--allocations +.*; default off/,
      ],
    ],
    ["device-verify.ts", [/--workers <integer> +.*; default 2/, /--ms <integer> +.*; default 2000/]],
    [
      "external-bridge.ts",
      [
        /--devices <integer> +.*; default 50/,
        /--readings <integer> +.*; default 20000/,
        /--workers <integer>/,
      ],
    ],
  ];
  for (const [file, flags] of expected) {
    const help = await bench(file, ["--help"]);
    t.is(help.code, 0, file);
    for (const flag of flags) t.regex(help.stdout, flag, file);
    const unknown = await bench(file, ["--bogus"]);
    t.is(unknown.code, 2, file);
    t.regex(unknown.stderr, /--bogus/);
    t.is(unknown.stdout, "", `${file}: nothing was measured`);
  }
  const badValue = await bench("tx.ts", ["--accounts", "many"]);
  t.is(badValue.code, 2);
  t.regex(badValue.stderr, /--accounts must be a number, got 'many'/);
  const negative = await bench("device-verify.ts", ["--workers", "-1"]);
  t.is(negative.code, 2);
});
