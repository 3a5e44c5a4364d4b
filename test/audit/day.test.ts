// audit day: the root recomputed from raw readings matches the commitment; a missing reading is named
// by its sequence gap, an extra one (another day, or one the root excludes) by its sequence.
import test from "ava";
import { auditDay, bodyFieldMismatches, mismatchingReadings } from "../../chain/audit/day.ts";
import { parseReadingsInput, ReadingsInputError } from "../../chain/audit/readings-input.ts";
import { commitmentBodyOf, dayProofs, encodeReading, type Reading } from "../../modules/meter/reading.ts";

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

const hexes = (list: readonly Reading[]) => list.map((r) => Buffer.from(encodeReading(r)).toString("hex"));
const jsonForm = (r: Reading) => ({
  device_id: r.deviceId,
  sequence: String(r.sequence),
  timestamp_ms: String(r.timestampMs),
  values: r.values,
  signature: Buffer.from(r.signature).toString("base64"),
});

test("readings input: JSON lines, a history document with paths, a bare array; bad entries named", (t) => {
  const lines = readings.map((r) => JSON.stringify(jsonForm(r))).join("\n");
  t.deepEqual(hexes(parseReadingsInput(`${lines}\n\n`).map((e) => e.reading)), hexes(readings));
  const { proofs } = dayProofs(readings);
  const document = {
    readings: readings.map((r, i) => ({
      bytes: Buffer.from(encodeReading(r)).toString("base64"),
      proof: { ...proofs[i]!, aunts: proofs[i]!.aunts.map((a) => Buffer.from(a).toString("base64")) },
      received_at: "ignored",
    })),
  };
  const parsed = parseReadingsInput(JSON.stringify(document, null, 2));
  t.deepEqual(hexes(parsed.map((e) => e.reading)), hexes(readings));
  t.deepEqual(parsed[3]?.proof, proofs[3]);
  t.is(parseReadingsInput(JSON.stringify(readings.map(jsonForm))).length, 10);
  for (const [input, entry] of [
    [`${JSON.stringify(jsonForm(readings[0]!))}\nnot json`, 2],
    [JSON.stringify({ readings: [{ bytes: "!!" }] }), 1],
    [JSON.stringify({ readings: [{ bytes: "AAAA", proof: { index: -1, total: 1, aunts: [] } }] }), 1],
    [JSON.stringify([{ device_id: "D001_0001", sequence: "x" }]), 1],
  ] as const) {
    const error = t.throws(() => parseReadingsInput(input), { instanceOf: ReadingsInputError });
    t.is(error?.entry, entry, input);
  }
  t.throws(() => parseReadingsInput("\n \n"), { instanceOf: ReadingsInputError });
});

test("mismatching readings: a bad signature, or a path that does not reach the root", (t) => {
  const { proofs } = dayProofs(readings);
  const changed = { ...readings[2]!, values: [{ name: "t", unit: "C", value: "99" }] };
  const given = readings.map((r, i) => ({ reading: i === 2 ? changed : r, proof: proofs[i]! }));
  t.deepEqual(mismatchingReadings("D001_0001", DAY, given, body), [
    { sequence: "3", reason: "not_in_commitment" },
  ]);
  const signedBy = (r: Reading) => r !== changed;
  t.deepEqual(mismatchingReadings("D001_0001", DAY, given, body, signedBy), [
    { sequence: "3", reason: "bad_signature" },
  ]);
  t.deepEqual(
    mismatchingReadings(
      "D001_0001",
      DAY,
      readings.map((reading) => ({ reading })),
      body,
    ),
    [],
  );
  // Honest readings, a body with false aggregates: the field is named.
  const lying = { ...body, aggregates: body.aggregates.map((a) => ({ ...a, max: "1000" })) };
  t.deepEqual(bodyFieldMismatches("D001_0001", DAY, readings, lying), ["aggregates"]);
  t.deepEqual(bodyFieldMismatches("D001_0001", DAY, readings, body), []);
});
