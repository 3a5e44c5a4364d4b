// audit day: the root recomputed from raw readings matches the commitment; a missing reading is named
// by its sequence gap, an extra one (another day, or one the root excludes) by its sequence.
import test from "ava";
import { auditDay } from "../../chain/audit/day.ts";
import { commitmentBodyOf, type Reading } from "../../modules/meter/reading.ts";

const DAY = 19_700n;
const reading = (sequence: bigint, offsetMs = 0n): Reading => ({
  deviceId: "D001_0001",
  sequence,
  timestampMs: DAY * 86_400_000n + sequence * 60_000n + offsetMs,
  values: [{ name: "t", unit: "C", value: String(sequence) }],
  ciphertext: new Uint8Array(0),
  signature: new Uint8Array(64).fill(Number(sequence % 200n)),
});
const readings = Array.from({ length: 10 }, (_, i) => reading(BigInt(i + 1)));
const body = commitmentBodyOf("D001_0001", DAY, readings);

test("the day's readings match the commitment", (t) => {
  const audit = auditDay("D001_0001", DAY, [...readings].reverse(), body);
  t.true(audit.match);
  t.deepEqual([audit.missing, audit.extra], [[], []]);
});

test("a missing reading is named by sequence", (t) => {
  const audit = auditDay(
    "D001_0001",
    DAY,
    readings.filter((r) => r.sequence !== 4n),
    body,
  );
  t.false(audit.match);
  t.deepEqual(audit.missing, ["4"]);
});

test("an extra reading is named: another day, or one the committed root excludes", (t) => {
  const otherDay = { ...reading(11n), timestampMs: (DAY + 1n) * 86_400_000n };
  t.deepEqual(auditDay("D001_0001", DAY, [...readings, otherDay], body).extra, ["11"]);
  const short = commitmentBodyOf("D001_0001", DAY, readings.slice(0, 9));
  const audit = auditDay("D001_0001", DAY, readings, short);
  t.false(audit.match);
  t.deepEqual(audit.extra, ["10"]);
});
