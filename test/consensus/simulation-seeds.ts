// Shared body of the simulation test files: each runs a block of seeds (split in two files so ava
// runs them on both cores). A failing seed is reported with the command that reproduces it.
import test from "ava";
import { reproduceCommand, runSimulation } from "./simulation.ts";

export function simulationSeedsTest(from: number, count: number): void {
  test(`simulation: seeds ${from}..${from + count - 1} keep safety, app hash agreement and liveness`, async (t) => {
    // ~60 s per file on an idle 2-core machine; generous so CPU contention from other work does not flake it.
    t.timeout(600_000);
    let evidence = 0;
    const failed: string[] = [];
    for (let seed = from; seed < from + count; seed++) {
      const result = await runSimulation({ seed });
      evidence += result.evidenceAgainstByzantine;
      if (!result.ok)
        failed.push(
          `seed ${seed}: ${result.failures.join("; ")}\n  reproduce: ${reproduceCommand(seed)} --verbose`,
        );
    }
    t.deepEqual(failed, []);
    // The byzantine validator equivocates on every run; somebody must notice.
    t.true(evidence > 0);
  });
}
