// The light client against harness nodes: sequential and skipping (bisection trace) across validator
// set changes, the bounded store, backwards verification, and fork detection with witnesses.
import test from "ava";
import { verifyEd25519 } from "../../chain/crypto/ed25519.ts";
import { toHex } from "../../chain/types/bytes.ts";
import { headerHash } from "../../chain/types/header.ts";
import { LightClient } from "../../light-client/client.ts";
import type { DetectionReport } from "../../light-client/detector.ts";
import { LightClientError } from "../../light-client/errors.ts";
import {
  encodeEvidence,
  encodeEvidenceJson,
  LightClientAttackEvidence,
} from "../../light-client/evidence.ts";
import { MemoryLightStore } from "../../light-client/store.ts";
import { heightOf } from "../../light-client/types.ts";
import { CHAIN_ID, KEYS, standardChain } from "./fixtures.ts";
import { ChainTransport, nowAfter, withHeader } from "./harness.ts";

const chain = standardChain();
const now = nowAfter(40n);
const trust = {
  height: 1n,
  hash: headerHash(chain.block(1n).signedHeader.header),
  trustingPeriodNs: 3600n * 1_000_000_000n,
};

test("sequential mode verifies every height 1 → 40 across both set changes", async (t) => {
  const primary = new ChainTransport("primary", chain);
  const client = await LightClient.create(
    { chainId: CHAIN_ID, primary, trust, mode: "sequential", verifySignature: verifyEd25519 },
    now,
  );
  const result = await client.verifyToHeight(40n, now);
  t.deepEqual(
    result.trace.map(heightOf),
    Array.from({ length: 40 }, (_, i) => BigInt(i + 1)),
  );
  t.is((await client.store.heights()).length, 40);
});

test("skipping mode bisects 1 → 22 → 40 (9/16 pivot) across both set changes", async (t) => {
  const primary = new ChainTransport("primary", chain);
  const client = await LightClient.create({ chainId: CHAIN_ID, primary, trust }, now);
  const result = await client.verifyToHeight(40n, now);
  t.deepEqual(result.trace.map(heightOf), [1n, 22n, 40n]);
  t.deepEqual(primary.requestedHeights, [1n, 40n, 22n]);
  t.deepEqual(await client.store.heights(), [1n, 22n, 40n]);
  // Already trusted: no new fetch.
  const again = await client.verifyToHeight(22n, now);
  t.deepEqual(again.trace, []);
});

test("skipping with a stricter trust level needs more pivots", async (t) => {
  const primary = new ChainTransport("primary", chain);
  const client = await LightClient.create(
    { chainId: CHAIN_ID, primary, trust: { ...trust, trustLevel: { numerator: 2n, denominator: 3n } } },
    now,
  );
  const result = await client.verifyToHeight(40n, now);
  const trace = result.trace.map(heightOf);
  t.is(trace[0], 1n);
  t.is(trace.at(-1), 40n);
  t.true(trace.length > 3, `trace ${trace.join(",")}`);
  // Every step crosses at most into a set sharing > 2/3 of the trusted one, or is adjacent.
  t.true(trace.includes(10n) || trace.includes(11n));
});

test("update follows the primary's latest height; the store stays bounded", async (t) => {
  const primary = new ChainTransport("primary", chain);
  primary.latest = 30n;
  const store = new MemoryLightStore(3);
  const client = await LightClient.create(
    { chainId: CHAIN_ID, primary, trust, store, mode: "sequential" },
    now,
  );
  const result = await client.update(now);
  t.is(heightOf(result.block), 30n);
  t.deepEqual(await store.heights(), [28n, 29n, 30n]);
});

test("heights below the trusted ones are verified backwards by hash", async (t) => {
  const primary = new ChainTransport("primary", chain);
  const client = await LightClient.create({ chainId: CHAIN_ID, primary, trust }, now);
  await client.verifyToHeight(40n, now);
  const result = await client.verifyToHeight(35n, now);
  t.is(
    toHex(headerHash(result.block.signedHeader.header)),
    toHex(headerHash(chain.block(35n).signedHeader.header)),
  );
  primary.tamper = (block) =>
    heightOf(block) === 33n ? withHeader(block, { appHash: new Uint8Array(32) }) : block;
  const error = await t.throwsAsync(client.verifyToHeight(31n, now), { instanceOf: LightClientError });
  t.is(error?.code, "header_hash_mismatch");
});

test("the root must hash to the trusted hash and be within the trusting period", async (t) => {
  const primary = new ChainTransport("primary", chain);
  const wrong = { ...trust, hash: headerHash(chain.block(2n).signedHeader.header) };
  const mismatch = await t.throwsAsync(
    LightClient.create({ chainId: CHAIN_ID, primary, trust: wrong }, now),
    { instanceOf: LightClientError },
  );
  t.is(mismatch?.code, "header_hash_mismatch");
  const late = { seconds: now.seconds + 7200n, nanos: 0 };
  const expired = await t.throwsAsync(LightClient.create({ chainId: CHAIN_ID, primary, trust }, late), {
    instanceOf: LightClientError,
  });
  t.is(expired?.code, "expired_trusted_header");
  const otherChain = await t.throwsAsync(LightClient.create({ chainId: "other", primary, trust }, now), {
    instanceOf: LightClientError,
  });
  t.is(otherChain?.code, "wrong_chain_id");
});

test("a primary serving a header of a byzantine coalition is caught by a witness; evidence is built and submitted", async (t) => {
  // Set C (keys 4-7) forges heights 30-40 with another app hash: valid signatures, > 2/3 of C.
  const forked = chain.fork(30n, () => true);
  const primary = new ChainTransport("primary", forked);
  const witness = new ChainTransport("witness", chain);
  const client = await LightClient.create({ chainId: CHAIN_ID, primary, witnesses: [witness], trust }, now);
  const error = await t.throwsAsync(client.verifyToHeight(40n, now), { instanceOf: LightClientError });
  t.is(error?.code, "fork_detected");
  const reports = error?.details["reports"] as DetectionReport[];
  t.is(reports.length, 1);
  const report = reports[0]!;
  if (report.kind !== "attack") return t.fail("expected an attack report");
  t.is(report.witness, "witness");
  t.is(report.height, 40n);
  t.is(report.commonHeight, 22n);
  const evidence = report.evidenceAgainstPrimary;
  // Lunatic attack (another app hash): common height and power of the last agreed block (set B);
  // the byzantine validators are the common set's members that signed the forged block (keys 4, 5).
  t.is(evidence.commonHeight, 22n);
  t.is(evidence.totalVotingPower, 40n);
  t.deepEqual(
    evidence.byzantineValidators.map((v) => toHex(v.address)).sort(),
    [KEYS[4]!, KEYS[5]!].map((k) => toHex(k.address)).sort(),
  );
  t.deepEqual(evidence.timestamp, chain.block(22n).signedHeader.header.time);
  t.is(
    toHex(evidence.conflictingBlock!.signedHeader!.header!.appHash),
    toHex(forked.block(40n).signedHeader.header.appHash),
  );
  // Submitted both ways, and it round-trips through the tendermint.types.Evidence proto.
  t.is(witness.evidence.length, 1);
  t.is(primary.evidence.length, 1);
  t.true(report.submissions.every((s) => s.accepted));
  const bytes = encodeEvidence(evidence);
  t.true(bytes.length > 200);
  t.is(
    LightClientAttackEvidence.decode(LightClientAttackEvidence.encode(evidence).finish()).commonHeight,
    22n,
  );
  t.is((encodeEvidenceJson(evidence) as { type: string }).type, "tendermint/LightClientAttackEvidence");
  // Nothing from the forged trace was trusted.
  t.deepEqual(await client.store.heights(), [1n]);
});

test("a witness whose conflicting header does not verify is dropped as faulty, not reported as an attack", async (t) => {
  const primary = new ChainTransport("primary", chain);
  const witness = new ChainTransport("liar", chain);
  witness.tamper = (block) =>
    heightOf(block) === 40n ? withHeader(block, { appHash: new Uint8Array(32) }) : block;
  const honest = new ChainTransport("honest", chain);
  const client = await LightClient.create(
    { chainId: CHAIN_ID, primary, witnesses: [witness, honest], trust },
    now,
  );
  const result = await client.verifyToHeight(40n, now);
  t.is(heightOf(result.block), 40n);
  t.deepEqual(
    result.reports.map((r) => [r.kind, r.witness]),
    [["faulty_witness", "liar"]],
  );
  t.deepEqual(
    client.witnesses.map((w) => w.name),
    ["honest"],
  );
  t.is(witness.evidence.length, 0);
});

test("a witness that is behind is skipped", async (t) => {
  const primary = new ChainTransport("primary", chain);
  const witness = new ChainTransport("behind", chain);
  witness.latest = 20n;
  const client = await LightClient.create({ chainId: CHAIN_ID, primary, witnesses: [witness], trust }, now);
  const result = await client.verifyToHeight(40n, now);
  t.deepEqual(result.reports, []);
});
