// EvidencePool against real parts: LevelDB in a temp dir, the real block store and BlockExecutor,
// ed25519 validators and votes signed over voteSignBytes (evidence-chain.ts).
import test, { type ExecutionContext } from "ava";
import type { ChainState } from "../../chain/consensus/chain-state.ts";
import { EvidenceError } from "../../chain/consensus/evidence-pool.ts";
import { hashEvidence } from "../../chain/types/hashes.ts";
import {
  duplicateVote,
  type EvidenceChain,
  fakeBlockId,
  GENESIS_TIME,
  joiner,
  openEvidenceChain,
  POWER,
  signedVote,
  signers,
} from "./evidence-chain.ts";

async function chainAt(t: ExecutionContext, height: number): Promise<EvidenceChain> {
  const chain = await openEvidenceChain();
  t.teardown(() => chain.close());
  for (let h = 0; h < height; h++) await chain.commitNext();
  return chain;
}

/** add() refuses `bytes`; returns the reason the pool logged. */
async function refusal(chain: EvidenceChain, bytes: Uint8Array, state = chain.state): Promise<unknown> {
  const before = chain.warnings.length;
  const added = await chain.pool.add(bytes, state);
  if (added) return "accepted";
  return (chain.warnings.slice(before)[0] as { reason?: unknown } | undefined)?.reason;
}

async function verifyReason(chain: EvidenceChain, bytes: Uint8Array, state: ChainState) {
  try {
    await chain.pool.verify(bytes, state);
    return "accepted";
  } catch (error) {
    if (error instanceof EvidenceError) return error.reason;
    throw error;
  }
}

async function blockEvidenceReason(chain: EvidenceChain, evidence: Uint8Array[], state = chain.state) {
  try {
    await chain.pool.verifyBlockEvidence(state, evidence);
    return "accepted";
  } catch (error) {
    if (error instanceof EvidenceError) return error.reason;
    throw error;
  }
}

function withEvidenceParams(
  state: ChainState,
  params: Partial<ChainState["consensusParams"]["evidence"]>,
): ChainState {
  return {
    ...state,
    consensusParams: {
      ...state.consensusParams,
      evidence: { ...state.consensusParams.evidence, ...params },
    },
  };
}

test("valid duplicate vote evidence is accepted, offered, committed in a block, then neither offered nor accepted again, also after a restart", async (t) => {
  const chain = await chainAt(t, 3);
  const evidence = await duplicateVote(chain, { height: 2n });
  t.true(await chain.pool.add(evidence, chain.state));
  t.false(await chain.pool.add(evidence, chain.state), "a second copy is not pending twice");
  t.deepEqual(chain.pool.pending(chain.state, 1_048_576n), [evidence]);
  t.deepEqual(chain.pool.pending(chain.state, BigInt(evidence.length - 1)), [], "max bytes respected");

  const block = await chain.commitNext();
  t.deepEqual(block.evidence, [evidence], "the proposal carried the pending evidence");
  t.is(chain.app.misbehaviorSeen, 1, "FinalizeBlock saw it as misbehavior");
  t.deepEqual(chain.pool.pending(chain.state, 1_048_576n), []);
  t.false(await chain.pool.add(evidence, chain.state));
  t.is(await blockEvidenceReason(chain, [evidence]), "already_committed");
  t.deepEqual((await chain.commitNext()).evidence, [], "the next proposal does not carry it again");

  await chain.restart();
  t.is(chain.pool.size, 0);
  t.false(await chain.pool.add(evidence, chain.state), "refused after a restart (LevelDB record)");
  t.deepEqual(chain.pool.pending(chain.state, 1_048_576n), []);
  t.is(await blockEvidenceReason(chain, [evidence]), "already_committed");
  // Other evidence is still accepted after the restart, and committed in its turn.
  const other = await duplicateVote(chain, { height: 3n, round: 1, totalVotingPower: 5n * POWER });
  t.true(await chain.pool.add(other, chain.state));
  t.deepEqual((await chain.commitNext()).evidence, [other]);
  t.is(await blockEvidenceReason(chain, [other]), "already_committed");
});

test("evidence is refused with a reason: same BlockID, bad signature, validator not in the set at that height, wrong powers, wrong time, uncommitted height", async (t) => {
  const chain = await chainAt(t, 4);
  const signer = signers[2]!;
  const blockId = fakeBlockId("same");
  const sameBlockId = await duplicateVote(chain, {
    height: 2n,
    votes: [
      signedVote(signer, { height: 2n, blockId, timestamp: { seconds: GENESIS_TIME.seconds, nanos: 1 } }),
      signedVote(signer, { height: 2n, blockId, timestamp: { seconds: GENESIS_TIME.seconds, nanos: 2 } }),
    ],
  });
  t.is(await refusal(chain, sameBlockId), "same_block_id");

  const voteA = signedVote(signer, { height: 2n, blockId: fakeBlockId("x") });
  const voteB = signedVote(signer, { height: 2n, blockId: fakeBlockId("y") });
  const forged = { ...voteB, signature: voteB.signature.map((byte, i) => (i === 0 ? byte ^ 1 : byte)) };
  t.is(
    await refusal(chain, await duplicateVote(chain, { height: 2n, votes: [voteA, forged] })),
    "bad_signature",
  );
  const otherKey = { ...voteB, signature: signers[3]!.sign(new Uint8Array(8)) };
  t.is(
    await refusal(chain, await duplicateVote(chain, { height: 2n, votes: [voteA, otherKey] })),
    "bad_signature",
  );

  // The joiner is in the current set (heights 3+) but was not at height 2.
  t.is(await refusal(chain, await duplicateVote(chain, { signer: joiner, height: 2n })), "unknown_validator");
  t.is(
    await refusal(
      chain,
      await duplicateVote(chain, { signer: joiner, height: 3n, totalVotingPower: 5n * POWER }),
    ),
    "accepted",
    "the set of the evidence height is used",
  );

  t.is(
    await refusal(chain, await duplicateVote(chain, { height: 2n, validatorPower: POWER - 1n })),
    "wrong_validator_power",
  );
  t.is(
    await refusal(chain, await duplicateVote(chain, { height: 2n, totalVotingPower: 5n * POWER })),
    "wrong_total_power",
    "height 2 was signed by 4 validators",
  );
  const timeOfHeight3 = (await chain.blockStore.loadBlockMeta(3n))!.header.time;
  t.is(
    await refusal(chain, await duplicateVote(chain, { height: 2n, timestamp: timeOfHeight3 })),
    "wrong_time",
  );

  const next = chain.state.lastBlockHeight + 1n;
  t.is(
    await refusal(chain, await duplicateVote(chain, { height: next, totalVotingPower: 5n * POWER })),
    "height_not_committed",
  );
  t.is(await refusal(chain, await duplicateVote(chain, { height: 0n })), "height_not_committed");

  t.is(chain.pool.size, 1, "only the joiner's evidence at height 3 is pending");
});

test("evidence expires only when older than both MaxAgeNumBlocks and MaxAgeDuration", async (t) => {
  // Block times advance 1 s per height: at height 4 the evidence of height 1 is 3 blocks and 3 s old.
  const chain = await chainAt(t, 4);
  const evidence = await duplicateVote(chain, { height: 1n });
  const second = 1_000_000_000n;
  const at = (maxAgeNumBlocks: bigint, maxAgeDurationNs: bigint) =>
    withEvidenceParams(chain.state, { maxAgeNumBlocks, maxAgeDurationNs });
  t.is(await verifyReason(chain, evidence, at(2n, 10n * second)), "accepted", "old in blocks only");
  t.is(await verifyReason(chain, evidence, at(10n, 1n * second)), "accepted", "old in time only");
  t.is(await verifyReason(chain, evidence, at(3n, 3n * second)), "accepted", "exactly at both limits");
  t.is(await verifyReason(chain, evidence, at(2n, 3n * second)), "accepted");
  t.is(await verifyReason(chain, evidence, at(3n, 2n * second)), "accepted");
  t.is(await verifyReason(chain, evidence, at(2n, 2n * second)), "expired");
  t.is(await refusal(chain, evidence, at(2n, 2n * second)), "expired");

  // Pending evidence that expires later is no longer offered nor accepted in a block.
  t.true(await chain.pool.add(evidence, chain.state));
  t.is(await blockEvidenceReason(chain, [evidence], at(2n, 2n * second)), "expired");
  t.deepEqual(chain.pool.pending(at(2n, 2n * second), 1_048_576n), []);
  t.is(chain.pool.size, 0, "dropped from the pool once expired");
});

test("a block's evidence: duplicates, too many bytes and malformed entries are refused", async (t) => {
  const chain = await chainAt(t, 3);
  const evidence = await duplicateVote(chain, { height: 2n });
  t.is(await blockEvidenceReason(chain, [evidence]), "accepted", "unknown but valid evidence is verified");
  t.is(await blockEvidenceReason(chain, [evidence, evidence]), "duplicate_in_block");
  t.true(await chain.pool.add(evidence, chain.state));
  t.is(await blockEvidenceReason(chain, [evidence, evidence]), "duplicate_in_block", "also when pending");
  t.is(
    await blockEvidenceReason(chain, [evidence], withEvidenceParams(chain.state, { maxBytes: 16n })),
    "too_large",
  );
  t.is(await blockEvidenceReason(chain, [Uint8Array.of(0x08, 0x01)]), "malformed");
  t.is(await blockEvidenceReason(chain, [Uint8Array.of(0x0a, 0x02, 0xff, 0xff)]), "malformed");
});

test("a proposal carrying malformed evidence is invalid (prevote nil), not a reason to halt", async (t) => {
  const chain = await chainAt(t, 2);
  const proposed = await chain.executor.createProposal(chain.state, {
    proposer: signers[0]!.address,
    lastCommit: chain.lastCommit,
    time: chain.nextTime(),
  });
  // No inner message at all: the header's evidence hash cannot even be computed.
  const unhashable = { ...proposed.block, evidence: [Uint8Array.of(0x08, 0x01)] };
  t.false(
    await chain.executor.verifyProposal(
      chain.state,
      unhashable,
      chain.executor.blockIdOf(unhashable).blockId,
    ),
  );
  // A wrapper around garbage: hashable, refused by the pool.
  const garbage = [Uint8Array.of(0x0a, 0x02, 0xff, 0xff)];
  const undecodable = {
    ...proposed.block,
    header: { ...proposed.block.header, evidenceHash: hashEvidence(garbage) },
    evidence: garbage,
  };
  t.false(
    await chain.executor.verifyProposal(
      chain.state,
      undecodable,
      chain.executor.blockIdOf(undecodable).blockId,
    ),
  );
  t.true(await chain.executor.verifyProposal(chain.state, proposed.block, proposed.blockId), "control");
});
