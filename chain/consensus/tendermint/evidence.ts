// DuplicateVoteEvidence (CometBFT types/evidence.go, reference/proofs-lightclient.md §C): two votes of
// one validator at one height/round/type for different BlockIDs. Built here, in CometBFT's order and
// proto format; including it in blocks and jailing is the poa module's work.
import {
  DuplicateVoteEvidence as ProtoDuplicateVoteEvidence,
  Evidence as ProtoEvidence,
} from "cosmjs-types/tendermint/types/evidence";
import { PartSetHeader as ProtoPartSetHeader, Vote as ProtoVote } from "cosmjs-types/tendermint/types/types";
import type { BlockID, Timestamp, Vote } from "../../types/block.ts";
import { decodeVote } from "../../types/block-codec.ts";
import { compareBytes, concatBytes } from "../../types/bytes.ts";

export interface DuplicateVoteEvidence {
  voteA: Vote;
  voteB: Vote;
  totalVotingPower: bigint;
  validatorPower: bigint;
  /** Time of the block at the infraction height. */
  timestamp: Timestamp;
}

type ProtoVoteShape = NonNullable<Parameters<typeof ProtoDuplicateVoteEvidence.encode>[0]["voteA"]>;

/** NewDuplicateVoteEvidence: orders the votes so that voteA's BlockID key sorts first. */
export function makeDuplicateVoteEvidence(
  vote1: Vote,
  vote2: Vote,
  powers: { validatorPower: bigint; totalVotingPower: bigint },
  timestamp: Timestamp,
): DuplicateVoteEvidence {
  const [voteA, voteB] =
    compareBytes(goBlockIdKey(vote1.blockId), goBlockIdKey(vote2.blockId)) < 0
      ? [vote1, vote2]
      : [vote2, vote1];
  return { voteA, voteB, ...powers, timestamp };
}

/** BlockID.Key() in Go: the hash bytes followed by the part set header's proto bytes. */
function goBlockIdKey(blockId: BlockID): Uint8Array {
  return concatBytes(blockId.hash, ProtoPartSetHeader.encode(blockId.partSetHeader).finish());
}

function toProtoVote(vote: Vote): ProtoVoteShape {
  return { ...vote, extension: new Uint8Array(), extensionSignature: new Uint8Array() } as ProtoVoteShape;
}

/** The DuplicateVoteEvidence proto bytes (ev.Bytes(), what evidence_hash covers). */
export function encodeDuplicateVoteEvidence(evidence: DuplicateVoteEvidence): Uint8Array {
  return ProtoDuplicateVoteEvidence.encode({
    voteA: toProtoVote(evidence.voteA),
    voteB: toProtoVote(evidence.voteB),
    totalVotingPower: evidence.totalVotingPower,
    validatorPower: evidence.validatorPower,
    timestamp: evidence.timestamp,
  }).finish();
}

/** tendermint.types.Evidence{duplicate_vote_evidence=1}: what a block's evidence list holds. */
export function encodeEvidence(evidence: DuplicateVoteEvidence): Uint8Array {
  return ProtoEvidence.encode({
    duplicateVoteEvidence: ProtoDuplicateVoteEvidence.decode(encodeDuplicateVoteEvidence(evidence)),
  }).finish();
}

/** Why decoding refused evidence: stable names for logs, metrics and tests (never match messages). */
export type EvidenceDecodeReason =
  | "malformed"
  | "votes_differ"
  | "different_validators"
  | "same_block_id"
  | "unordered_block_ids"
  | "no_timestamp";

export class EvidenceDecodeError extends Error {
  readonly code = "evidence_malformed";
  readonly reason: EvidenceDecodeReason;

  constructor(reason: EvidenceDecodeReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** A tendermint.types.Evidence holding a DuplicateVoteEvidence, decoded and checked as CometBFT's
 * ValidateBasic does: both votes present and well formed, same height/round/type/validator,
 * different BlockIDs, in BlockID-key order. */
export function decodeDuplicateVoteEvidence(bytes: Uint8Array): DuplicateVoteEvidence {
  let proto: ReturnType<typeof ProtoEvidence.decode>["duplicateVoteEvidence"];
  let voteA: Vote;
  let voteB: Vote;
  try {
    proto = ProtoEvidence.decode(bytes).duplicateVoteEvidence;
    if (proto?.voteA == null || proto.voteB == null)
      throw new EvidenceDecodeError("malformed", "not a duplicate vote evidence with two votes");
    voteA = decodeVote(ProtoVote.encode(proto.voteA).finish());
    voteB = decodeVote(ProtoVote.encode(proto.voteB).finish());
  } catch (error) {
    if (error instanceof EvidenceDecodeError) throw error;
    throw new EvidenceDecodeError("malformed", `malformed evidence: ${(error as Error).message}`);
  }
  if (voteA.height !== voteB.height || voteA.round !== voteB.round || voteA.type !== voteB.type)
    throw new EvidenceDecodeError("votes_differ", "votes differ in height, round or type");
  if (compareBytes(voteA.validatorAddress, voteB.validatorAddress) !== 0)
    throw new EvidenceDecodeError("different_validators", "votes of different validators");
  const order = compareBytes(goBlockIdKey(voteA.blockId), goBlockIdKey(voteB.blockId));
  if (order === 0) throw new EvidenceDecodeError("same_block_id", "both votes are for the same BlockID");
  if (order > 0) throw new EvidenceDecodeError("unordered_block_ids", "BlockIDs not in key order");
  if (proto.timestamp == null) throw new EvidenceDecodeError("no_timestamp", "no timestamp");
  return {
    voteA,
    voteB,
    totalVotingPower: proto.totalVotingPower,
    validatorPower: proto.validatorPower,
    timestamp: { seconds: proto.timestamp.seconds, nanos: proto.timestamp.nanos },
  };
}
