// Meter rules with a 4-validator genesis (powers 20/10/10/20, operated by wallets 0-3): submit and
// attest, finality strictly above 2/3 (not at exactly 2/3), conflicts, every README failure case,
// reading inclusion proofs, pay-per-reading escrows paid price × count and capped, and genesis
// export → import with the same app hash. Invariants are checked after every block.
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import {
  EscrowMode,
  escrow as escrowPb,
  meter as pb,
  verifyReadingInclusion,
} from "../../../client/index.ts";
import { moduleAddress } from "../../../modules/auth/keys.ts";
import { PLATFORM_POOL_MODULE } from "../../../modules/escrow/keys.ts";
import { bodyToProto, type CommitmentBody, commitmentHash } from "../../../modules/meter/codec.ts";
import { commitmentKey } from "../../../modules/meter/keys.ts";
import {
  commitmentBodyOf,
  dayProofs,
  encodeReading,
  type Reading,
  readingSignBytes,
} from "../../../modules/meter/reading.ts";
import { DENOM } from "../../helpers/app.ts";
import {
  coin,
  DAY_SECONDS,
  DEVICE,
  type EscrowTestApp,
  escrowMsg,
  openedId,
  openMsg,
  sharedDevice,
  startEscrowApp,
} from "../escrow/helpers.ts";

const DEVICE_SEED = new Uint8Array(32).fill(9);

/** `count` signed readings of `day`, one per minute, energy in kWh as decimals. */
function readings(day: bigint, count: number, firstSequence = 1n): Reading[] {
  return Array.from({ length: count }, (_, i) => {
    const reading: Reading = {
      deviceId: DEVICE,
      sequence: firstSequence + BigInt(i),
      timestampMs: day * 86_400_000n + BigInt(i) * 60_000n,
      values: [
        { name: "energy", unit: "kWh", value: `${i % 7}.${(i % 3) + 1}` },
        { name: "voltage", unit: "V", value: String(229 + (i % 3)) },
      ],
      ciphertext: new Uint8Array(0),
      signature: new Uint8Array(0),
    };
    return { ...reading, signature: ed25519.sign(readingSignBytes(reading), DEVICE_SEED) };
  });
}

const submit = (operator: string, body: CommitmentBody) => ({
  typeUrl: "/sensorchain.meter.v1.MsgSubmitCommitment",
  value: { operator, body: bodyToProto(body) },
});
const attest = (operator: string, body: CommitmentBody, hash = commitmentHash(body)) => ({
  typeUrl: "/sensorchain.meter.v1.MsgAttestCommitment",
  value: { operator, deviceId: body.deviceId, day: Number(body.day), commitmentHash: hash },
});

async function setup(t: Parameters<typeof startEscrowApp>[0]) {
  const a = await startEscrowApp(t, { powers: [20n, 10n, 10n, 20n] });
  const [o0, o1, o2, o3, owner, consumer] = a.operators as [string, string, string, string, string, string];
  await sharedDevice(a, owner);
  return { a, o0, o1, o2, o3, owner, consumer };
}

/** The current UTC day of the next block, and move the clock past its end (+ a minute). */
function finishToday(a: EscrowTestApp): bigint {
  const day = a.nextTime() / DAY_SECONDS;
  a.clockOffset += (day + 1n) * DAY_SECONDS - a.nextTime() + 60n;
  return day;
}

const status = (a: EscrowTestApp, day: bigint) =>
  a.ask(
    "/sensorchain.meter.v1.Query/Status",
    pb.QueryStatusRequest,
    { deviceId: DEVICE, day: Number(day) },
    pb.QueryStatusResponse,
  );

test("final only above 2/3 of the power: 40 of 60 is not enough, 60 of 60 is", async (t) => {
  const { a, o0, o1, o2, o3 } = await setup(t);
  const day = finishToday(a);
  const body = commitmentBodyOf(DEVICE, day, readings(day, 10));
  const submitted = await a.exec(o0, [submit(o0, body)]);
  t.is(submitted.code, 0, submitted.log);
  await a.exec(o1, [attest(o1, body)]);
  const third = await a.exec(o2, [attest(o2, body)]);
  t.is(third.code, 0, third.log);
  let current = await status(a, day);
  t.false(current.final, "20 + 10 + 10 = 40 of 60 is exactly 2/3: not final");
  t.is(String(current.totalPower), "60");
  t.is(String(current.candidates[0]!.attestedPower), "40");
  const last = await a.exec(o3, [attest(o3, body)]);
  t.is(last.code, 0, last.log);
  t.true(last.events.some((e) => e.type === "sensorchain.meter.v1.EventCommitmentFinalized"));
  current = await status(a, day);
  t.true(current.final);
  const { commitment } = await a.ask(
    "/sensorchain.meter.v1.Query/Commitment",
    pb.QueryCommitmentRequest,
    { deviceId: DEVICE, day: Number(day) },
    pb.QueryCommitmentResponse,
  );
  t.like(commitment, { submitter: o0, attesters: [o0, o1, o2, o3] });
  t.is(String(commitment!.attestedPower), "60");
  t.is(String(commitment!.body!.count), "10");
  t.deepEqual(
    commitment!.body!.aggregates!.map((x) => [x.name, x.sum, x.min, x.max]),
    [
      ["energy", "25.9", "0.1", "6.1"],
      ["voltage", "2299", "229", "231"],
    ],
  );
  // Provable through /store/meter/key.
  const proof = await a.app.query({
    path: "/store/meter/key",
    data: commitmentKey(DEVICE, day),
    height: 0n,
    prove: true,
  });
  t.is(proof.code, 0, proof.log);
  t.is(proof.proofOps.length, 2);
  t.deepEqual(pb.Commitment.decode(proof.value).hash, commitmentHash(body));
  // After finality nothing more is accepted for the day.
  t.like(await a.exec(o3, [submit(o3, { ...body, count: 11n })]), { code: 7, codespace: "meter" });
});

test("a quorum without the largest validator: 20 + 10 + 20 = 50 of 60 finalizes at the third vote", async (t) => {
  const { a, o0, o2, o3 } = await setup(t);
  const day = finishToday(a);
  const body = commitmentBodyOf(DEVICE, day, readings(day, 3));
  await a.exec(o3, [submit(o3, body)]);
  t.false((await status(a, day)).final);
  await a.exec(o0, [attest(o0, body)]);
  t.false((await status(a, day)).final, "40 of 60");
  await a.exec(o2, [attest(o2, body)]);
  t.true((await status(a, day)).final, "50 of 60");
});

test("conflicting roots are recorded and queryable; one vote per operator and day", async (t) => {
  const { a, o0, o1, o2, o3 } = await setup(t);
  const day = finishToday(a);
  const honest = commitmentBodyOf(DEVICE, day, readings(day, 5));
  const other = commitmentBodyOf(DEVICE, day, readings(day, 4));
  await a.exec(o0, [submit(o0, honest)]);
  const conflicting = await a.exec(o1, [submit(o1, other)]);
  t.is(conflicting.code, 0, conflicting.log);
  t.true(conflicting.events.some((e) => e.type === "sensorchain.meter.v1.EventCommitmentConflict"));
  t.like(await a.exec(o1, [attest(o1, honest)]), { code: 8, codespace: "meter" });
  t.like(await a.exec(o2, [submit(o2, honest)]), { code: 9, codespace: "meter" });
  const conflicts = await a.ask(
    "/sensorchain.meter.v1.Query/Conflicts",
    pb.QueryConflictsRequest,
    {},
    pb.QueryConflictsResponse,
  );
  t.is(conflicts.conflicts.length, 1);
  t.like(conflicts.conflicts[0], { deviceId: DEVICE, day: Number(day) });
  t.is(conflicts.conflicts[0]?.candidates?.length, 2);
  await a.exec(o2, [attest(o2, honest)]);
  await a.exec(o3, [attest(o3, honest)]);
  const current = await status(a, day);
  t.true(current.final, "20 + 10 + 20 = 50 of 60 on the honest root");
  t.deepEqual(current.commitment!.hash, commitmentHash(honest));
  t.is(
    (
      await a.ask(
        "/sensorchain.meter.v1.Query/Conflicts",
        pb.QueryConflictsRequest,
        {},
        pb.QueryConflictsResponse,
      )
    ).conflicts.length,
    1,
    "the conflict stays on record",
  );
});

test("failures: not an operator, day not over, unknown device, invalid bodies, unknown candidate", async (t) => {
  const { a, o0, o1, owner } = await setup(t);
  const today = a.nextTime() / DAY_SECONDS;
  const body = commitmentBodyOf(DEVICE, today, readings(today, 2));
  t.like(await a.exec(o0, [submit(o0, body)]), { code: 6, codespace: "meter" });
  const yesterday = today - 1n;
  const good = commitmentBodyOf(DEVICE, yesterday, readings(yesterday, 2));
  t.like(await a.exec(owner, [submit(owner, good)]), { code: 5, codespace: "meter" });
  t.like(await a.exec(o0, [submit(o0, { ...good, deviceId: "D035_0042" })]), { code: 3, codespace: "meter" });
  t.like(await a.exec(o0, [submit(o0, { ...good, deviceId: "D35" })]), { code: 2, codespace: "meter" });
  const invalid: [string, CommitmentBody][] = [
    ["short root", { ...good, root: new Uint8Array(31) }],
    ["no readings", { ...good, count: 0n }],
    ["timestamp outside the day", { ...good, lastTimestampMs: (yesterday + 1n) * 86_400_000n }],
    ["first after last", { ...good, firstTimestampMs: good.lastTimestampMs + 1n }],
    ["unsorted aggregates", { ...good, aggregates: [...good.aggregates].reverse() }],
    ["bad decimal", { ...good, aggregates: [{ name: "e", unit: "", sum: "1.50", min: "1", max: "1" }] }],
    ["min above max", { ...good, aggregates: [{ name: "e", unit: "", sum: "3", min: "2", max: "1" }] }],
  ];
  for (const [name, bad] of invalid)
    t.like(await a.exec(o0, [submit(o0, bad)]), { code: 4, codespace: "meter" }, name);
  t.like(await a.exec(o1, [attest(o1, good)]), { code: 10, codespace: "meter" });
  t.like(await a.exec(owner, [attest(owner, good)]), { code: 5, codespace: "meter" });
  t.like(
    await a.askFailure("/sensorchain.meter.v1.Query/Commitment", pb.QueryCommitmentRequest, {
      deviceId: DEVICE,
      day: Number(yesterday),
    }),
    { code: 11, codespace: "meter" },
  );
});

test("a reading's inclusion proof verifies against the final root; a tampered one does not", async (t) => {
  const { a, o0, o1, o3 } = await setup(t);
  const day = finishToday(a);
  const dayReadings = readings(day, 13);
  const body = commitmentBodyOf(DEVICE, day, dayReadings);
  await a.exec(o0, [submit(o0, body)]);
  await a.exec(o1, [attest(o1, body)]);
  await a.exec(o3, [attest(o3, body)]);
  const { commitment } = await a.ask(
    "/sensorchain.meter.v1.Query/Commitment",
    pb.QueryCommitmentRequest,
    { deviceId: DEVICE, day: Number(day) },
    pb.QueryCommitmentResponse,
  );
  const committed = { root: commitment!.body!.root!, count: BigInt(String(commitment!.body!.count)) };
  const { sorted, proofs } = dayProofs(dayReadings);
  for (const [i, reading] of sorted.entries())
    t.true(verifyReadingInclusion(encodeReading(reading), proofs[i]!, committed));
  const reading = sorted[6]!;
  const proof = proofs[6]!;
  const tampered = { ...reading, values: [{ ...reading.values[0]!, value: "9.9" }, reading.values[1]!] };
  t.false(verifyReadingInclusion(encodeReading(tampered), proof, committed), "changed value");
  t.false(
    verifyReadingInclusion(encodeReading({ ...reading, signature: new Uint8Array(64) }), proof, committed),
    "changed signature",
  );
  t.false(verifyReadingInclusion(encodeReading(reading), { ...proof, index: 5 }, committed), "wrong index");
  t.false(verifyReadingInclusion(encodeReading(reading), { ...proof, total: 14 }, committed), "wrong total");
  const aunts = proof.aunts.map((aunt) => aunt.slice());
  const flipped = aunts[0]!;
  flipped[0] = flipped[0]! ^ 1;
  t.false(verifyReadingInclusion(encodeReading(reading), { ...proof, aunts }, committed), "flipped path bit");
  t.true(ed25519.verify(reading.signature, readingSignBytes(reading), ed25519.getPublicKey(DEVICE_SEED)));
});

test("pay per reading: price × count at finality, capped by the deposit, gateway = submitter", async (t) => {
  const { a, o0, o1, o2, o3, owner, consumer } = await setup(t);
  const pool = moduleAddress(PLATFORM_POOL_MODULE);
  const id = openedId(
    await a.exec(consumer, [
      openMsg(consumer, {
        mode: EscrowMode.ESCROW_MODE_PER_READING,
        price: "3",
        deposit: "100",
        expiryTime: a.nextTime() + 30n * DAY_SECONDS,
      }),
    ]),
  );
  const manual = openedId(
    await a.exec(consumer, [openMsg(consumer, { expiryTime: a.nextTime() + 30n * DAY_SECONDS })]),
  );
  const poolBefore = a.balance(pool);
  const day = finishToday(a);
  const first = commitmentBodyOf(DEVICE, day, readings(day, 10));
  await a.exec(o3, [submit(o3, first)]);
  await a.exec(o0, [attest(o0, first)]);
  const finalizing = await a.exec(o1, [attest(o1, first)]);
  t.is(finalizing.code, 0, finalizing.log);
  let { escrow } = await a.ask(
    "/sensorchain.escrow.v1.Query/Escrow",
    escrowPb.QueryEscrowRequest,
    { escrowId: id },
    escrowPb.QueryEscrowResponse,
  );
  t.like(escrow, { released: "30", remaining: "70" });
  const ownerEarnings = async () =>
    (
      await a.ask(
        "/sensorchain.escrow.v1.Query/Earnings",
        escrowPb.QueryEarningsRequest,
        { address: owner },
        escrowPb.QueryEarningsResponse,
      )
    ).amount.map((c) => c.amount);
  const gatewayEarnings = async () =>
    (
      await a.ask(
        "/sensorchain.escrow.v1.Query/Earnings",
        escrowPb.QueryEarningsRequest,
        { address: o3 },
        escrowPb.QueryEarningsResponse,
      )
    ).amount.map((c) => c.amount);
  t.deepEqual(await ownerEarnings(), ["24"]);
  t.deepEqual(await gatewayEarnings(), ["3"]);
  t.is(a.balance(pool), poolBefore + 3n);

  const next = finishToday(a);
  const second = commitmentBodyOf(DEVICE, next, readings(next, 50, 100n));
  await a.exec(o3, [submit(o3, second)]);
  await a.exec(o0, [attest(o0, second)]);
  await a.exec(o2, [attest(o2, second)]);
  ({ escrow } = await a.ask(
    "/sensorchain.escrow.v1.Query/Escrow",
    escrowPb.QueryEscrowRequest,
    { escrowId: id },
    escrowPb.QueryEscrowResponse,
  ));
  t.like(escrow, { released: "100", remaining: "0" }, "150 due, capped at the 70 left");
  t.deepEqual(await ownerEarnings(), [String(24 + 56)]);
  t.deepEqual(await gatewayEarnings(), [String(3 + 7)]);
  t.is(a.balance(pool), poolBefore + 10n);
  const untouched = await a.ask(
    "/sensorchain.escrow.v1.Query/Escrow",
    escrowPb.QueryEscrowRequest,
    { escrowId: manual },
    escrowPb.QueryEscrowResponse,
  );
  t.is(untouched.escrow!.released, "0", "manual escrows are not paid by the meter");
  // A top-up pays again at the next finality.
  await a.exec(consumer, [escrowMsg("TopUpEscrow", { consumer, escrowId: id, amount: coin(5) })]);
  const third = finishToday(a);
  const body = commitmentBodyOf(DEVICE, third, readings(third, 1, 500n));
  await a.exec(o0, [submit(o0, body)]);
  await a.exec(o3, [attest(o3, body)]);
  await a.exec(o1, [attest(o1, body)]);
  ({ escrow } = await a.ask(
    "/sensorchain.escrow.v1.Query/Escrow",
    escrowPb.QueryEscrowRequest,
    { escrowId: id },
    escrowPb.QueryEscrowResponse,
  ));
  t.like(escrow, { released: "103", remaining: "2" });
  t.is(DENOM, "usensor");
});

test("commitments by device (paginated) and genesis export → import with the same app hash", async (t) => {
  const { a, o0, o1, o2, o3, consumer } = await setup(t);
  openedId(
    await a.exec(consumer, [
      openMsg(consumer, {
        mode: EscrowMode.ESCROW_MODE_PER_READING,
        price: "2",
        deposit: "1000",
        expiryTime: a.nextTime() + 30n * DAY_SECONDS,
      }),
    ]),
  );
  for (let i = 0; i < 3; i++) {
    const day = finishToday(a);
    const body = commitmentBodyOf(DEVICE, day, readings(day, 2 + i, BigInt(i * 10 + 1)));
    await a.exec(o0, [submit(o0, body)]);
    await a.exec(o3, [attest(o3, body)]);
    await a.exec(o1, [attest(o1, body)]);
  }
  const day = finishToday(a);
  await a.exec(o2, [submit(o2, commitmentBodyOf(DEVICE, day, readings(day, 1)))]);
  await a.exec(o1, [submit(o1, commitmentBodyOf(DEVICE, day, readings(day, 2)))]);
  const page = await a.ask(
    "/sensorchain.meter.v1.Query/CommitmentsByDevice",
    pb.QueryCommitmentsByDeviceRequest,
    { deviceId: DEVICE, pagination: { limit: 2n, countTotal: true } },
    pb.QueryCommitmentsByDeviceResponse,
  );
  t.is(page.commitments.length, 2);
  t.is(String(page.pagination!.total), "3");
  const rest = await a.ask(
    "/sensorchain.meter.v1.Query/CommitmentsByDevice",
    pb.QueryCommitmentsByDeviceRequest,
    { deviceId: DEVICE, pagination: { key: page.pagination!.nextKey } },
    pb.QueryCommitmentsByDeviceResponse,
  );
  t.deepEqual(
    rest.commitments.map((c) => String(c.body!.count)),
    ["4"],
  );

  const exported = await a.app.exportGenesis();
  t.is((exported.meter as { commitments: unknown[] }).commitments.length, 3);
  t.is((exported.meter as { candidates: unknown[] }).candidates.length, 5);
  t.deepEqual(await a.app.exportGenesis(), exported);
  const one = await startEscrowApp(t, { powers: [20n, 10n, 10n, 20n], appState: exported });
  const two = await startEscrowApp(t, {
    powers: [20n, 10n, 10n, 20n],
    appState: JSON.parse(JSON.stringify(exported)),
  });
  t.deepEqual((await one.app.info()).lastBlockAppHash, (await two.app.info()).lastBlockAppHash);
  t.deepEqual(
    (await one.app.info()).lastBlockAppHash,
    (await a.app.info()).lastBlockAppHash,
    "the live state's hash",
  );
  t.deepEqual(await one.app.exportGenesis(), exported);
  t.deepEqual(await one.app.checkInvariants(), []);
  const conflicts = await one.ask(
    "/sensorchain.meter.v1.Query/Conflicts",
    pb.QueryConflictsRequest,
    {},
    pb.QueryConflictsResponse,
  );
  t.is(conflicts.conflicts.length, 1);
  // The imported chain keeps going: the conflicting day finalizes there.
  one.clockOffset = a.clockOffset;
  const b = commitmentBodyOf(DEVICE, day, readings(day, 1));
  await one.exec(o0, [attest(o0, b)]);
  t.like(await one.exec(o3, [attest(o3, b)]), { code: 0 });
  t.true((await status(one, day)).final);
});
