// Proofs from our tree: existence and non-existence for random keys verify with our verifier (existence also
// with @confio/ics23 0.6.8 as an independent check), tampering is caught, chains verify against the app hash.
import * as confio from "@confio/ics23";
import test from "ava";
import { CommitmentProof } from "cosmjs-types/cosmos/ics23/v1/proofs";
import { bytesEqual } from "../../chain/crypto/hash.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import { SENTINEL_KEY } from "../../chain/store/sentinel.ts";
import type { ProofOp } from "../../chain/store/types.ts";
import {
  Ics23Error,
  smtSpec,
  tendermintSpec,
  verifyChainedMembership,
  verifyChainedNonMembership,
  verifyMembership,
  verifyNonMembership,
} from "../../light-client/ics23/index.ts";
import { seededRandom, tempDb, text } from "./helpers.ts";

const KEY_COUNT = 400;
const ABSENT_COUNT = 300;

/** Go SmtSpec expressed for @confio/ics23 0.6.8 (its own smtSpec is the hashed-key shape). */
const confioSmtSpec = {
  leafSpec: { hash: 1, prehashKey: 1, prehashValue: 1, length: 0, prefix: Uint8Array.of(0) },
  innerSpec: {
    childOrder: [0, 1],
    childSize: 32,
    minPrefixLength: 1,
    maxPrefixLength: 1,
    emptyChild: new Uint8Array(32),
    hash: 1,
  },
  maxDepth: 256,
};

async function populated(t: Parameters<typeof tempDb>[0]) {
  const { db } = await tempDb(t);
  const cms = await openCommitMultiStore({ db, storeNames: ["acc", "bank", "device", "empty"] });
  const random = seededRandom(7);
  const entries = new Map<string, [Uint8Array, Uint8Array]>();
  const genesis = cms.cacheMultiStore();
  await cms.commit(await cms.prepareCommit(genesis, 0), []);
  for (let version = 1; version <= 4; version++) {
    const block = cms.cacheMultiStore();
    for (let i = 0; i < KEY_COUNT / 4; i++) {
      const key = random.bytes(1, 40);
      const value = random.bytes(1, 64);
      block.store("bank").set(key, value);
      entries.set(Buffer.from(key).toString("hex"), [key, value]);
    }
    block.store("acc").set(text(`account-${version}`), text("x"));
    await cms.commit(await cms.prepareCommit(block, version), []);
  }
  return { cms, entries: [...entries.values()], random };
}

function decodeOp(op: ProofOp | undefined): CommitmentProof {
  return CommitmentProof.decode(op!.data);
}

test("existence proofs of random keys verify (ours and @confio/ics23) and chain to the app hash", async (t) => {
  const { cms, entries } = await populated(t);
  const { version, appHash } = cms.lastCommit();
  const roots = await cms.storeRoots(version);
  const bankRoot = roots.get("bank")!;
  for (const [key, value] of entries) {
    const { value: proven, proofOps } = await cms.prove("bank", key, version);
    t.true(bytesEqual(proven!, value));
    t.is(proofOps[0]!.type, "ics23:smt");
    t.is(proofOps[1]!.type, "ics23:simple");
    t.true(bytesEqual(proofOps[0]!.key, key));
    t.true(bytesEqual(proofOps[1]!.key, text("bank")));
    const storeProof = decodeOp(proofOps[0]);
    verifyMembership(smtSpec, bankRoot, storeProof, key, value);
    verifyMembership(tendermintSpec, appHash, decodeOp(proofOps[1]), text("bank"), bankRoot);
    const independent = confio.ics23.CommitmentProof.decode(proofOps[0]!.data);
    t.true(confio.verifyMembership(independent, confioSmtSpec, bankRoot, key, value));
    t.notThrows(() => verifyChainedMembership(appHash, proofOps, "bank", key, value));
  }
});

test("non-existence proofs of absent keys verify and chain to the app hash", async (t) => {
  const { cms, random } = await populated(t);
  const { version, appHash } = cms.lastCommit();
  const bankRoot = (await cms.storeRoots(version)).get("bank")!;
  let bothSides = 0;
  for (let i = 0; i < ABSENT_COUNT; i++) {
    const key = random.bytes(41, 50); // longer than any present key: certainly absent
    const { value, proofOps } = await cms.prove("bank", key, version);
    t.is(value, undefined);
    const proof = decodeOp(proofOps[0]);
    t.truthy(proof.nonexist);
    if (proof.nonexist?.left !== undefined && proof.nonexist.right !== undefined) bothSides++;
    verifyNonMembership(smtSpec, bankRoot, proof, key);
    t.notThrows(() => verifyChainedNonMembership(appHash, proofOps, "bank", key));
    t.throws(() => verifyChainedMembership(appHash, proofOps, "bank", key, text("x")), {
      instanceOf: Ics23Error,
    });
  }
  t.true(bothSides > ABSENT_COUNT / 2);
});

test("stores with only their sentinel prove absence; the sentinel is invisible to reads", async (t) => {
  const { cms } = await populated(t);
  const { version, appHash } = cms.lastCommit();
  for (const key of [text("a"), text("zzz"), Uint8Array.of(0), Uint8Array.of(0xff)]) {
    const { value, proofOps } = await cms.prove("empty", key, version);
    t.is(value, undefined);
    t.notThrows(() => verifyChainedNonMembership(appHash, proofOps, "empty", key));
  }
  const cache = cms.cacheMultiStore();
  t.is(cache.store("empty").get(SENTINEL_KEY), undefined);
  const seen = [];
  for await (const entry of cache.store("empty").iterate()) seen.push(entry);
  t.deepEqual(seen, []);
  t.throws(() => cache.store("empty").set(SENTINEL_KEY, text("x")), { code: "reserved_key" });
  t.throws(() => cache.store("empty").delete(SENTINEL_KEY), { code: "reserved_key" });
});

test("tampered proofs fail with a typed error", async (t) => {
  const { cms, entries } = await populated(t);
  const { version, appHash } = cms.lastCommit();
  const [key, value] = entries[3]!;
  const { proofOps } = await cms.prove("bank", key, version);
  const proof = decodeOp(proofOps[0]);
  const exist = proof.exist!;
  t.true(exist.path.length > 0);
  // A flipped sibling byte.
  const step = exist.path[0]!;
  const sibling = step.suffix.length > 0 ? step.suffix : step.prefix;
  sibling[sibling.length - 1]! ^= 1;
  const tampered: ProofOp[] = [
    { ...proofOps[0]!, data: CommitmentProof.encode(proof).finish() },
    proofOps[1]!,
  ];
  // Chained, the altered store root no longer matches the value the multistore proof commits to.
  t.throws(() => verifyChainedMembership(appHash, tampered, "bank", key, value), { code: "value_mismatch" });
  const bankRoot = (await cms.storeRoots(version)).get("bank")!;
  t.throws(() => verifyMembership(smtSpec, bankRoot, proof, key, value), { code: "root_mismatch" });
  // Wrong value, wrong store name, wrong app hash, swapped ops.
  t.throws(() => verifyChainedMembership(appHash, proofOps, "bank", key, text("other")), {
    code: "value_mismatch",
  });
  t.throws(() => verifyChainedMembership(appHash, proofOps, "acc", key, value), { code: "chain_mismatch" });
  const otherHash = new Uint8Array(appHash);
  otherHash[0]! ^= 1;
  t.throws(() => verifyChainedMembership(otherHash, proofOps, "bank", key, value), { code: "root_mismatch" });
  t.throws(() => verifyChainedMembership(appHash, [proofOps[1]!, proofOps[0]!], "bank", key, value), {
    code: "chain_mismatch",
  });
  // A non-existence proof for a present key cannot be assembled from its real neighbours.
  const absent = await cms.prove("bank", Uint8Array.of(...key, 0xee, 0xee), version);
  t.throws(() =>
    verifyChainedNonMembership(appHash, [{ ...absent.proofOps[0]!, key }, absent.proofOps[1]!], "bank", key),
  );
  // Dropping a neighbour breaks the neighbour check.
  const nonexist = decodeOp(absent.proofOps[0]);
  if (nonexist.nonexist?.left !== undefined && nonexist.nonexist.right !== undefined) {
    delete nonexist.nonexist.left;
    const oneSided: ProofOp = { ...absent.proofOps[0]!, data: CommitmentProof.encode(nonexist).finish() };
    t.throws(
      () =>
        verifyChainedNonMembership(appHash, [oneSided, absent.proofOps[1]!], "bank", absent.proofOps[0]!.key),
      {
        code: "not_neighbors",
      },
    );
  }
});

test("an old proof does not verify against a newer app hash", async (t) => {
  const { cms, entries } = await populated(t);
  const [key, value] = entries[0]!;
  const old = await cms.prove("bank", key, 3);
  const block = cms.cacheMultiStore();
  block.store("bank").set(key, text("changed"));
  await cms.commit(await cms.prepareCommit(block, 5), []);
  t.throws(() => verifyChainedMembership(cms.lastCommit().appHash, old.proofOps, "bank", key, value), {
    instanceOf: Ics23Error,
  });
  const fresh = await cms.prove("bank", key, 5);
  t.true(bytesEqual(fresh.value!, text("changed")));
  t.notThrows(() =>
    verifyChainedMembership(cms.lastCommit().appHash, fresh.proofOps, "bank", key, text("changed")),
  );
});
