// Runs the deterministic consensus simulation over many seeds:
//   npm run sim -- --seeds 500            seeds 1..500
//   npm run sim -- --seed 1234 [--verbose] one seed, e.g. to reproduce a failure
import { parseArgs } from "node:util";
import { reproduceCommand, runSimulation } from "../test/consensus/simulation.ts";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "100" },
    seed: { type: "string" },
    from: { type: "string", default: "1" },
    verbose: { type: "boolean", default: false },
  },
});

const seeds =
  values.seed !== undefined
    ? [Number(values.seed)]
    : Array.from({ length: Number(values.seeds) }, (_, i) => Number(values.from) + i);
const started = performance.now();
let failed = 0;
let evidence = 0;
for (const seed of seeds) {
  const result = await runSimulation({ seed, verbose: values.verbose });
  evidence += result.evidenceAgainstByzantine;
  if (!result.ok) {
    failed++;
    console.log(`seed ${seed} FAILED (heights ${result.heights.join(",")}):`);
    for (const failure of result.failures) console.log(`  ${failure}`);
    console.log(`  reproduce: ${reproduceCommand(seed)} --verbose`);
  } else if (seeds.length === 1 || values.verbose) {
    console.log(
      `seed ${seed} ok: heights ${result.heights.join(",")}, ${result.events} events, ${result.partitions} partitions, ${result.crashes} crash, ${result.evidenceAgainstByzantine} evidence`,
    );
  }
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `${seeds.length - failed}/${seeds.length} seeds passed in ${seconds}s; evidence against the byzantine validator ${evidence} times`,
);
process.exitCode = failed > 0 ? 1 : 0;
