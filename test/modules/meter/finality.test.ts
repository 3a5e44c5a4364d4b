// Meter rules with a 4-validator genesis (powers 20/10/10/20, operated by wallets 0-3): submit and
// attest, finality strictly above 2/3 (not at exactly 2/3), conflicts, and every README failure case.
// Invariants are checked after every block.
import test from "ava";
import { meter as pb } from "../../../client/index.ts";
import { type CommitmentBody, commitmentHash } from "../../../modules/meter/codec.ts";
import { commitmentKey } from "../../../modules/meter/keys.ts";
import { commitmentBodyOf } from "../../../modules/meter/reading.ts";
import { DAY_SECONDS, DEVICE } from "../escrow/helpers.ts";
import { attest, finishToday, meterRoles, readings, status, submit } from "./helpers.ts";

test("final only above 2/3 of the power: 40 of 60 is not enough, 60 of 60 is", async (t) => {
  const { a, o0, o1, o2, o3 } = await meterRoles(t);
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
  // The stored hash's bytes (a read may hand them over as a Buffer or a plain Uint8Array).
  t.deepEqual(Buffer.from(pb.Commitment.decode(proof.value).hash), Buffer.from(commitmentHash(body)));
  // After finality nothing more is accepted for the day.
  t.like(await a.exec(o3, [submit(o3, { ...body, count: 11n })]), { code: 7, codespace: "meter" });
});

test("a quorum without the largest validator: 20 + 10 + 20 = 50 of 60 finalizes at the third vote", async (t) => {
  const { a, o0, o2, o3 } = await meterRoles(t);
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
  const { a, o0, o1, o2, o3 } = await meterRoles(t);
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
  const { a, o0, o1, owner } = await meterRoles(t);
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
