// LightClientAttackEvidence on the node side (CometBFT evidence/verify.go VerifyLightClientAttack):
// what a light client's fork detector submits through broadcast_evidence. The node checks it
// against its own chain: the conflicting header differs from its own at that height, the
// conflicting commit is signed by more than 1/3 of its common-height set (lunatic, a forward jump)
// or more than 2/3 of its own set at that height (equivocation, amnesia), and the named byzantine
// validators, total power and time are exactly what the node itself derives. Verified evidence is
// kept by the evidence pool, included in blocks, and becomes one light_client_attack misbehavior per
// byzantine validator (the poa module records and jails).
import {
  type LightClientAttackEvidence,
  Evidence as ProtoEvidence,
} from "cosmjs-types/tendermint/types/evidence";
import { Commit as ProtoCommit, Header as ProtoHeader } from "cosmjs-types/tendermint/types/types";
import type { Validator as ProtoValidator } from "cosmjs-types/tendermint/types/validator";
import { byzantineValidators } from "../../light-client/evidence.ts";
import type { LightBlock } from "../../light-client/types.ts";
import type { Misbehavior } from "../app/abci.ts";
import type { BlockStore } from "../blockstore/types.ts";
import type { Timestamp, Validator } from "../types/block.ts";
import { decodeCommit, decodeHeader } from "../types/block-codec.ts";
import { bytesEqual } from "../types/bytes.ts";
import { headerHash } from "../types/header.ts";
import { compareTimestamps } from "../types/time.ts";
import { ValidatorSet } from "../types/validator-set.ts";
import { DEFAULT_TRUST_LEVEL, verifyCommitLight, verifyCommitLightTrusting } from "../types/verify-commit.ts";
import type { ChainState } from "./chain-state.ts";
import { verifyEd25519Cached } from "./signature-cache.ts";

/** Validators in a conflicting block's set: CometBFT's MaxVotesCount bound on a validator set. */
export const MAX_ATTACK_VALIDATORS = 10_000;

export class AttackEvidenceError extends Error {
  readonly code = "invalid_evidence";
}

/** What the pool keeps of verified attack evidence (its age for expiry, its misbehaviors). */
export interface VerifiedAttack {
  commonHeight: bigint;
  timestamp: Timestamp;
  conflictingHeight: bigint;
  byzantine: Validator[];
  totalVotingPower: bigint;
}

const fail = (message: string) => new AttackEvidenceError(message);

/** The light client attack inside tendermint.types.Evidence bytes, or undefined for another type. */
export function attackEvidenceOf(bytes: Uint8Array): LightClientAttackEvidence | undefined {
  try {
    return ProtoEvidence.decode(bytes).lightClientAttackEvidence;
  } catch {
    return undefined;
  }
}

function validatorFromProto(validator: ProtoValidator): Validator {
  const pubKey = validator.pubKey?.ed25519;
  if (pubKey === undefined || pubKey.length !== 32) throw fail("a validator key is not ed25519");
  return {
    address: validator.address,
    pubKey,
    votingPower: validator.votingPower,
    proposerPriority: validator.proposerPriority,
  };
}

function conflictingBlockOf(evidence: LightClientAttackEvidence): LightBlock {
  const block = evidence.conflictingBlock;
  const header = block?.signedHeader?.header;
  const commit = block?.signedHeader?.commit;
  const validators = block?.validatorSet?.validators ?? [];
  if (header === undefined || commit === undefined) throw fail("conflicting block has no signed header");
  if (validators.length === 0 || validators.length > MAX_ATTACK_VALIDATORS)
    throw fail(`conflicting block has ${validators.length} validators`);
  try {
    return {
      signedHeader: {
        header: decodeHeader(ProtoHeader.encode(header).finish()),
        commit: decodeCommit(ProtoCommit.encode(commit).finish()),
      },
      validatorSet: new ValidatorSet(validators.map(validatorFromProto)),
    };
  } catch (error) {
    if (error instanceof AttackEvidenceError) throw error;
    throw fail(`conflicting block does not decode: ${(error as Error).message}`);
  }
}

/** VerifyLightClientAttack against this node's block store, for a block following `state`. */
export async function verifyAttackEvidence(
  evidence: LightClientAttackEvidence,
  state: ChainState,
  blockStore: Pick<BlockStore, "loadValidators" | "loadBlockMeta" | "loadCommit">,
): Promise<VerifiedAttack> {
  const conflicting = conflictingBlockOf(evidence);
  const { header, commit } = conflicting.signedHeader;
  const height = header.height;
  const commonHeight = evidence.commonHeight;
  if (header.chainId !== state.chainId) throw fail(`conflicting header is for chain ${header.chainId}`);
  if (commonHeight < state.initialHeight || commonHeight > height)
    throw fail(`common height ${commonHeight} is not in [initial height, conflicting height ${height}]`);
  if (height > state.lastBlockHeight)
    throw fail(`conflicting height ${height} is above this node's last block ${state.lastBlockHeight}`);
  const [ownMeta, ownCommit, ownValidators, commonMeta, commonValidators] = await Promise.all([
    blockStore.loadBlockMeta(height),
    blockStore.loadCommit(height),
    blockStore.loadValidators(height),
    blockStore.loadBlockMeta(commonHeight),
    blockStore.loadValidators(commonHeight),
  ]);
  if (
    ownMeta === undefined ||
    ownValidators === undefined ||
    commonMeta === undefined ||
    commonValidators === undefined
  )
    throw fail(`this node has no block or validator set at ${commonHeight} or ${height} (pruned?)`);
  const conflictingHash = headerHash(header);
  if (bytesEqual(conflictingHash, ownMeta.blockId.hash))
    throw fail(`the conflicting header is this node's own block ${height}: no conflict`);
  if (!bytesEqual(commit.blockId.hash, conflictingHash))
    throw fail("the conflicting commit signs another header");
  if (!bytesEqual(conflicting.validatorSet.hash(), header.validatorsHash))
    throw fail("the conflicting validator set does not hash to the header's validators_hash");
  const commonSet = new ValidatorSet(commonValidators);
  const ownSet = new ValidatorSet(ownValidators);
  const verifySignature = verifyEd25519Cached;
  try {
    if (commonHeight !== height) {
      // Lunatic: a forward jump from the common block, trusted by more than 1/3 of its set.
      verifyCommitLightTrusting(state.chainId, commonSet, commit, DEFAULT_TRUST_LEVEL, { verifySignature });
      verifyCommitLight(state.chainId, conflicting.validatorSet, commit.blockId, height, commit, {
        verifySignature,
      });
    } else {
      // Equivocation or amnesia: the same set signed two blocks at one height.
      if (!bytesEqual(header.validatorsHash, ownSet.hash()))
        throw fail("at the common height the conflicting header must carry this node's validator set");
      verifyCommitLight(state.chainId, ownSet, commit.blockId, height, commit, { verifySignature });
    }
  } catch (error) {
    if (error instanceof AttackEvidenceError) throw error;
    throw fail(`the conflicting commit does not verify: ${(error as Error).message}`);
  }
  if (compareTimestamps(evidence.timestamp ?? { seconds: 0n, nanos: 0 }, commonMeta.header.time) !== 0)
    throw fail("evidence time is not the block time at the common height");
  if (evidence.totalVotingPower !== commonSet.totalVotingPower())
    throw fail("wrong total voting power of the common height's set");
  if (ownCommit === undefined) throw fail(`this node has no commit for its block ${height}`);
  const trusted: LightBlock = {
    signedHeader: { header: ownMeta.header, commit: ownCommit },
    validatorSet: ownSet,
  };
  const common: LightBlock = {
    signedHeader: { header: commonMeta.header, commit: ownCommit },
    validatorSet: commonSet,
  };
  const expected = byzantineValidators(conflicting, common, trusted);
  const given = evidence.byzantineValidators.map(validatorFromProto);
  if (
    expected.length !== given.length ||
    expected.some(
      (v, i) => !bytesEqual(v.address, given[i]!.address) || v.votingPower !== given[i]!.votingPower,
    )
  )
    throw fail("the byzantine validators named are not the ones this node derives");
  return {
    commonHeight,
    timestamp: commonMeta.header.time,
    conflictingHeight: height,
    byzantine: expected,
    totalVotingPower: commonSet.totalVotingPower(),
  };
}

/** FinalizeBlock's misbehaviors of one piece of attack evidence: one per byzantine validator;
 * `hash` is Evidence.Hash() (sha256 of the LightClientAttackEvidence bytes as committed). */
export function attackMisbehavior(evidence: LightClientAttackEvidence, hash: Uint8Array): Misbehavior[] {
  const time = evidence.timestamp ?? { seconds: 0n, nanos: 0 };
  return evidence.byzantineValidators.map((validator) => ({
    type: "light_client_attack",
    validatorAddress: validator.address,
    validatorPower: validator.votingPower,
    height: evidence.commonHeight,
    time,
    totalVotingPower: evidence.totalVotingPower,
    evidenceHash: hash,
  }));
}
