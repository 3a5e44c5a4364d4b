// `npm run bench`: every capability's benchmark, each figure beside the machine ceiling it is
// bounded by, measured in the same run. Pass names to run a subset and flags after them for the
// benches selected: `npm run bench -- store tx`, `npm run bench -- device --accounts 200`.
// `npm run bench -- --help` lists the benches, `npm run bench -- device --help` one bench's flags.
import {
  BenchArgsError,
  type BenchCommand,
  benchUsage,
  parseBenchFlags,
  reportUsageError,
  USAGE_EXIT_CODE,
} from "./args.ts";

/** The benches that declare their command line with args.ts: flags pass through to them. */
const commands: Record<string, () => Promise<BenchCommand>> = {
  crypto: async () => (await import("./crypto.ts")).cryptoBenchCommand as unknown as BenchCommand,
  light: async () => (await import("./light.ts")).lightBenchCommand as unknown as BenchCommand,
  device: async () => (await import("./device.ts")).deviceBenchCommand as unknown as BenchCommand,
  escrow: async () => (await import("./escrow.ts")).escrowBenchCommand as unknown as BenchCommand,
  market: async () => (await import("./market.ts")).marketBenchCommand as unknown as BenchCommand,
  replay: async () => (await import("./replay.ts")).replayBenchCommand as unknown as BenchCommand,
  devnet: async () => (await import("./devnet.ts")).devnetBenchCommand as unknown as BenchCommand,
};

/** Flags run.ts gives a bench before the user's (which may undo them, e.g. `--no-compare-without-pool`). */
const suiteFlags: Record<string, string[]> = { replay: ["--compare-without-pool"] };

/** The benches that still parse their own command line: run.ts runs them with their defaults. */
const legacy: Record<string, () => Promise<void>> = {
  store: async () => {
    const { runStoreBench } = await import("./store.ts");
    await runStoreBench({});
  },
  tx: async () => {
    const { runTxBench } = await import("./tx.ts");
    await runTxBench({});
  },
  "external-bridge": async () => {
    const { runExternalBridgeBench } = await import("./external-bridge.ts");
    await runExternalBridgeBench({});
  },
  "device-verify": async () => {
    const { runDeviceVerifyBench } = await import("./device-verify.ts");
    await runDeviceVerifyBench({});
  },
  bridge: async () => {
    const { runBridgeBench } = await import("./bridge.ts");
    await runBridgeBench({});
  },
};

/** The order of a full run. */
const ORDER = ["crypto", "store", "light", "device", "escrow", "market", "devnet", "replay", "tx"];
const known = [...ORDER, ...Object.keys(legacy).filter((name) => !ORDER.includes(name))];

const argv = process.argv.slice(2);
const firstFlag = argv.findIndex((arg) => arg.startsWith("-"));
const names = firstFlag < 0 ? argv : argv.slice(0, firstFlag);
const flags = firstFlag < 0 ? [] : argv.slice(firstFlag);

function usageError(message: string): never {
  reportUsageError("bench", new BenchArgsError(message));
  process.exit(USAGE_EXIT_CODE);
}

if (names.length === 0 && (flags.includes("--help") || flags.includes("-h"))) {
  console.log(
    [
      "usage: npm run bench -- [name ...] [flags]",
      "",
      `benches (all, in this order, when none is named): ${known.join(", ")}`,
      `flags pass through to the benches named; ${Object.keys(commands).join(", ")} take flags here`,
      "(npm run bench -- <name> --help lists them); the others take theirs as node scripts/bench/<name>.ts",
    ].join("\n"),
  );
  process.exit(0);
}
const selected = names.length > 0 ? names : known;
const unknown = selected.filter((name) => commands[name] === undefined && legacy[name] === undefined);
if (unknown.length > 0) usageError(`unknown benchmark ${unknown.join(", ")}; known: ${known.join(", ")}`);

// Every selected bench's command line is checked before any bench runs.
const plan: { name: string; run: () => Promise<unknown> }[] = [];
for (const name of selected) {
  const load = commands[name];
  if (load === undefined) {
    if (flags.length > 0)
      usageError(`${name} takes its flags only as node scripts/bench/${name}.ts ${flags.join(" ")}`);
    plan.push({ name, run: legacy[name]! });
    continue;
  }
  const command = await load();
  let values: ReturnType<typeof parseBenchFlags>;
  try {
    values = parseBenchFlags(command, [...(suiteFlags[name] ?? []), ...flags]);
  } catch (error) {
    if (!(error instanceof BenchArgsError)) throw error;
    reportUsageError(name, error);
    process.exit(USAGE_EXIT_CODE);
  }
  if (values === undefined) {
    console.log(benchUsage(command));
    continue;
  }
  const parsed = values;
  plan.push({ name, run: async () => command.run(parsed) });
}
for (const { name, run } of plan) {
  console.log(`\n== ${name} ==`);
  await run();
}
