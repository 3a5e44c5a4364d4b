// Sign bytes (types/vote.go VoteSignBytes, types/canonical.go): a uvarint length prefix followed by the
// CanonicalVote proto. cosmjs-types has no Canonical* messages, so they are written field by field.
import { BinaryWriter } from "cosmjs-types/binary";
import { Timestamp as ProtoTimestamp } from "cosmjs-types/google/protobuf/timestamp";
import { type BlockID, BlockIDFlag, type Commit, SignedMsgType, type Timestamp, type Vote } from "./block.ts";
import { emptyBlockId, isZeroBlockId } from "./block-id.ts";

export interface CanonicalVoteFields {
  type: SignedMsgType;
  height: bigint;
  round: number;
  blockId: BlockID;
  timestamp: Timestamp;
}

/** CanonicalBlockID{hash=1, part_set_header=2 CanonicalPartSetHeader{total=1 uint32, hash=2}}. */
function writeCanonicalBlockId(writer: BinaryWriter, field: number, blockId: BlockID): void {
  // A nil or zero BlockID is left out entirely (CanonicalizeBlockID returns nil).
  if (isZeroBlockId(blockId)) return;
  writer.uint32((field << 3) | 2).fork();
  if (blockId.hash.length > 0) writer.uint32(10).bytes(blockId.hash);
  writer.uint32(18).fork();
  if (blockId.partSetHeader.total !== 0) writer.uint32(8).uint32(blockId.partSetHeader.total);
  if (blockId.partSetHeader.hash.length > 0) writer.uint32(18).bytes(blockId.partSetHeader.hash);
  writer.ldelim();
  writer.ldelim();
}

function writeTimestamp(writer: BinaryWriter, field: number, time: Timestamp): void {
  // Non-nullable stdtime: written even when it is the zero value.
  ProtoTimestamp.encode(time, writer.uint32((field << 3) | 2).fork()).ldelim();
}

/** CanonicalVote{type=1, height=2 sfixed64, round=3 sfixed64, block_id=4, timestamp=5, chain_id=6}. */
export function encodeCanonicalVote(chainId: string, vote: CanonicalVoteFields): Uint8Array {
  const writer = BinaryWriter.create();
  if (vote.type !== 0) writer.uint32(8).int32(vote.type);
  if (vote.height !== 0n) writer.uint32(17).sfixed64(vote.height);
  if (vote.round !== 0) writer.uint32(25).sfixed64(BigInt(vote.round));
  writeCanonicalBlockId(writer, 4, vote.blockId);
  writeTimestamp(writer, 5, vote.timestamp);
  if (chainId !== "") writer.uint32(50).string(chainId);
  return writer.finish();
}

/** protoio.MarshalDelimited: uvarint length, then the message. */
export function lengthDelimited(message: Uint8Array): Uint8Array {
  const writer = BinaryWriter.create();
  writer.bytes(message);
  return writer.finish();
}

/** What a validator signs for a prevote or precommit. A whole Vote may be passed: its address,
 * index and signature are not signed. */
export function voteSignBytes(chainId: string, vote: CanonicalVoteFields & Partial<Vote>): Uint8Array {
  return lengthDelimited(encodeCanonicalVote(chainId, vote));
}

/** Sign bytes of the precommit behind `commit.signatures[index]` (Commit.VoteSignBytes). */
export function commitVoteSignBytes(chainId: string, commit: Commit, index: number): Uint8Array {
  const sig = commit.signatures[index];
  if (sig === undefined) throw new RangeError(`commit has no signature ${index}`);
  return voteSignBytes(chainId, {
    type: SignedMsgType.precommit,
    height: commit.height,
    round: commit.round,
    blockId: sig.blockIdFlag === BlockIDFlag.commit ? commit.blockId : emptyBlockId(),
    timestamp: sig.timestamp,
  });
}

export interface CanonicalProposalFields {
  height: bigint;
  round: number;
  polRound: number;
  blockId: BlockID;
  timestamp: Timestamp;
}

/** CanonicalProposal{type=1, height=2 sfixed64, round=3 sfixed64, pol_round=4 int64, block_id=5,
 * timestamp=6, chain_id=7}, length-delimited (ProposalSignBytes). */
export function proposalSignBytes(chainId: string, proposal: CanonicalProposalFields): Uint8Array {
  const writer = BinaryWriter.create();
  writer.uint32(8).int32(SignedMsgType.proposal);
  if (proposal.height !== 0n) writer.uint32(17).sfixed64(proposal.height);
  if (proposal.round !== 0) writer.uint32(25).sfixed64(BigInt(proposal.round));
  if (proposal.polRound !== 0) writer.uint32(32).int64(BigInt(proposal.polRound));
  writeCanonicalBlockId(writer, 5, proposal.blockId);
  writeTimestamp(writer, 6, proposal.timestamp);
  if (chainId !== "") writer.uint32(58).string(chainId);
  return lengthDelimited(writer.finish());
}

/** CanonicalVoteExtension{extension=1, height=2 sfixed64, round=3 sfixed64, chain_id=4}, length-delimited. */
export function voteExtensionSignBytes(
  chainId: string,
  extension: { extension: Uint8Array; height: bigint; round: number },
): Uint8Array {
  const writer = BinaryWriter.create();
  if (extension.extension.length > 0) writer.uint32(10).bytes(extension.extension);
  if (extension.height !== 0n) writer.uint32(17).sfixed64(extension.height);
  if (extension.round !== 0) writer.uint32(25).sfixed64(BigInt(extension.round));
  if (chainId !== "") writer.uint32(34).string(chainId);
  return lengthDelimited(writer.finish());
}
