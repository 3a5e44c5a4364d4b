// Meter rules for what a final day gives, with a 4-validator genesis (powers 20/10/10/20): reading
// inclusion proofs against the final root, pay-per-reading escrows paid price × count and capped,
// commitments by device, and genesis export → import with the same app hash. Invariants are
// checked after every block.
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
import {
  commitmentBodyOf,
  dayProofs,
  encodeReading,
  readingSignBytes,
} from "../../../modules/meter/reading.ts";
import { DENOM } from "../../helpers/app.ts";
import {
  coin,
  DAY_SECONDS,
  DEVICE,
  escrowMsg,
  openedId,
  openMsg,
  startEscrowApp,
} from "../escrow/helpers.ts";
import { attest, DEVICE_SEED, finishToday, meterRoles, readings, status, submit } from "./helpers.ts";

test("a reading's inclusion proof verifies against the final root; a tampered one does not", async (t) => {
  const { a, o0, o1, o3 } = await meterRoles(t);
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
  const { a, o0, o1, o2, o3, owner, consumer } = await meterRoles(t);
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
  const { a, o0, o1, o2, o3, consumer } = await meterRoles(t);
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
