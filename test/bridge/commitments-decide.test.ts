// The pure decision of one device-day (decide.ts) case by case, and the designated submitter: a
// deterministic function of the operator set (any order), the device and the day, spread over them;
// the counters' Prometheus form.
import test from "ava";
import { Registry } from "prom-client";
import {
  type DecisionInput,
  decide,
  designatedSubmitter,
  submitterTurn,
} from "../../bridge-mqtt/commitments/decide.ts";
import { registerCommitmentMetrics } from "../../bridge-mqtt/commitments/metrics.ts";

const OURS = new Uint8Array(32).fill(1);
const OTHER = new Uint8Array(32).fill(2);
const base: DecisionInput = {
  final: false,
  candidates: [],
  ourHash: OURS,
  operator: "me",
  designated: false,
  fallbackDue: false,
  repaired: false,
};

test("final, voted, attest, submit, wait, repair, conflict", (t) => {
  t.like(decide({ ...base, final: true, finalHash: OTHER }), { kind: "final", hash: OTHER });
  t.like(decide({ ...base, candidates: [{ hash: OURS, attesters: ["x", "me"] }] }), {
    kind: "voted",
    matches: true,
  });
  t.like(decide({ ...base, candidates: [{ hash: OTHER, attesters: ["me"] }] }), {
    kind: "voted",
    matches: false,
  });
  t.like(
    decide({
      ...base,
      candidates: [
        { hash: OTHER, attesters: ["x"] },
        { hash: OURS, attesters: ["y"] },
      ],
    }),
    {
      kind: "attest",
      hash: OURS,
    },
  );
  t.like(decide({ ...base, designated: true }), { kind: "submit", conflict: false });
  t.like(decide(base), { kind: "wait" });
  t.like(decide({ ...base, fallbackDue: true }), { kind: "submit", conflict: false });
  t.like(decide({ ...base, candidates: [{ hash: OTHER, attesters: ["x"] }] }), { kind: "repair" });
  t.like(decide({ ...base, repaired: true, candidates: [{ hash: OTHER, attesters: ["x"] }] }), {
    kind: "submit",
    conflict: true,
  });
});

test("the designated submitter ignores the operators' order and spreads device-days over them", (t) => {
  const operators = ["sensor1c", "sensor1a", "sensor1d", "sensor1b"];
  const counts = new Map<string, number>();
  for (let device = 1; device <= 200; device++) {
    const id = `D035_${String(device).padStart(4, "0")}`;
    const chosen = designatedSubmitter(operators, id, 20_000n);
    t.is(designatedSubmitter([...operators].reverse(), id, 20_000n), chosen);
    counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
  }
  t.is(counts.size, 4);
  for (const count of counts.values()) t.true(count >= 20, `each operator gets a share: ${[...counts]}`);
  t.throws(() => designatedSubmitter([], "D035_0001", 1n), { instanceOf: RangeError });
  // Turns: the designated submitter 0, then each other operator once, in ring order.
  const chosen = designatedSubmitter(operators, "D035_0007", 5n);
  t.is(submitterTurn(operators, chosen, "D035_0007", 5n), 0);
  t.deepEqual(operators.map((o) => submitterTurn(operators, o, "D035_0007", 5n)).sort(), [0, 1, 2, 3]);
  t.is(submitterTurn(operators, "sensor1z", "D035_0007", 5n), undefined);
});

test("the commitment counters are scraped as sensorchain_mqtt_commitments_total by action", async (t) => {
  const registry = new Registry();
  const counters = { submits: 2, attests: 5, repairs: 1, conflicts: 1, finalized: 7, txFailed: 0, passes: 9 };
  registerCommitmentMetrics(registry, counters);
  let text = await registry.metrics();
  t.regex(text, /sensorchain_mqtt_commitments_total\{action="attest"\} 5/);
  t.regex(text, /sensorchain_mqtt_commitments_total\{action="tx_failed"\} 0/);
  counters.attests = 6;
  text = await registry.metrics();
  t.regex(text, /sensorchain_mqtt_commitments_total\{action="attest"\} 6/);
});
