// Wire and WAL encoding of consensus messages. One protobuf envelope, stable field numbers:
//   1 proposal  tendermint.types.Proposal (signed, CometBFT proposalSignBytes)
//   2 vote      tendermint.types.Vote
//   3 block     tendermint.types.Block bytes (the proposal's, or the committed block of a catch-up)
//   4 commit    tendermint.types.Commit (catch-up: a decided block with 2/3+ precommits)
// WAL-only fields: 5 timeout height, 6 timeout round, 7 timeout step, 8 valid (driver verdict), 9 start.
// Transport messages carry fields 1-4 only; a decoder of network bytes rejects 5-9.
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { Proposal as ProtoProposal } from "cosmjs-types/tendermint/types/types";
import type { Block, Commit, Vote } from "../../types/block.ts";
import { decodeBlock, decodeCommit, decodeVote, encodeCommit, encodeVote } from "../../types/block-codec.ts";
import { DecodeError } from "../../types/errors.ts";
import type { Proposal, TimeoutStep } from "./types.ts";

/** Largest consensus message: CometBFT's max block (100 MiB) is far beyond what a PoA appchain of
 * sensor txs needs; 32 MiB leaves room for a 21 MiB (CometBFT default max_bytes) block and its commit. */
export const MAX_CONSENSUS_MESSAGE_BYTES = 32 * 1024 * 1024;
const INT32_MAX = 2 ** 31 - 1;
const TIMEOUT_STEPS: readonly TimeoutStep[] = ["newHeight", "propose", "prevote", "precommit"];

export type ConsensusMessage =
  | { kind: "proposal"; proposal: Proposal; blockBytes: Uint8Array }
  | { kind: "vote"; vote: Vote }
  | { kind: "commit"; blockBytes: Uint8Array; commit: Commit };

export type WalInput =
  | (ConsensusMessage & { valid?: boolean })
  | { kind: "timeout"; height: bigint; round: number; step: TimeoutStep }
  | { kind: "start" };

type ProtoProposalShape = Parameters<typeof ProtoProposal.encode>[0];

export function encodeProposal(proposal: Proposal): Uint8Array {
  return ProtoProposal.encode({ type: 32, ...proposal } as ProtoProposalShape).finish();
}

export function decodeProposal(bytes: Uint8Array): Proposal {
  let decoded: ReturnType<typeof ProtoProposal.decode>;
  try {
    decoded = ProtoProposal.decode(bytes);
  } catch (error) {
    throw new DecodeError(`malformed proposal: ${(error as Error).message}`);
  }
  if ((decoded.type as number) !== 32) throw new DecodeError(`proposal: bad type ${decoded.type}`);
  if (
    decoded.height <= 0n ||
    decoded.round < 0 ||
    decoded.round > INT32_MAX ||
    decoded.polRound < -1 ||
    decoded.polRound >= decoded.round
  )
    throw new DecodeError("proposal: height, round or pol_round out of range");
  if (decoded.blockId.partSetHeader.total <= 0 || decoded.blockId.hash.length !== 32)
    throw new DecodeError("proposal: incomplete block id");
  if (decoded.timestamp.nanos < 0 || decoded.timestamp.nanos > 999_999_999)
    throw new DecodeError("proposal: nanos out of range");
  if (decoded.signature.length === 0 || decoded.signature.length > 64)
    throw new DecodeError("proposal: bad signature length");
  return {
    height: decoded.height,
    round: decoded.round,
    polRound: decoded.polRound,
    blockId: { hash: decoded.blockId.hash, partSetHeader: { ...decoded.blockId.partSetHeader } },
    timestamp: { seconds: decoded.timestamp.seconds, nanos: decoded.timestamp.nanos },
    signature: decoded.signature,
  };
}

function writeMessage(writer: BinaryWriter, message: ConsensusMessage): void {
  if (message.kind === "proposal")
    writer.uint32(10).bytes(encodeProposal(message.proposal)).uint32(26).bytes(message.blockBytes);
  else if (message.kind === "vote") writer.uint32(18).bytes(encodeVote(message.vote));
  else writer.uint32(26).bytes(message.blockBytes).uint32(34).bytes(encodeCommit(message.commit));
}

export function encodeConsensusMessage(message: ConsensusMessage): Uint8Array {
  const writer = BinaryWriter.create();
  writeMessage(writer, message);
  return writer.finish();
}

export function encodeWalInput(input: WalInput): Uint8Array {
  const writer = BinaryWriter.create();
  if (input.kind === "timeout") {
    writer
      .uint32(40)
      .uint64(input.height)
      .uint32(48)
      .uint32(input.round)
      .uint32(56)
      .uint32(TIMEOUT_STEPS.indexOf(input.step));
  } else if (input.kind === "start") writer.uint32(72).bool(true);
  else {
    writeMessage(writer, input);
    if (input.valid !== undefined) writer.uint32(64).bool(input.valid);
  }
  return writer.finish();
}

interface Fields {
  proposal?: Uint8Array;
  vote?: Uint8Array;
  block?: Uint8Array;
  commit?: Uint8Array;
  timeoutHeight?: bigint;
  timeoutRound?: number;
  timeoutStep?: number;
  valid?: boolean;
  start?: boolean;
}

function readFields(bytes: Uint8Array, allowWalFields: boolean): Fields {
  if (bytes.length > MAX_CONSENSUS_MESSAGE_BYTES)
    throw new DecodeError(`consensus message of ${bytes.length} bytes is too large`);
  const fields: Fields = {};
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      if (field > 4 && !allowWalFields) throw new DecodeError(`consensus message: unexpected field ${field}`);
      switch (field) {
        case 1:
          fields.proposal = reader.bytes();
          break;
        case 2:
          fields.vote = reader.bytes();
          break;
        case 3:
          fields.block = reader.bytes();
          break;
        case 4:
          fields.commit = reader.bytes();
          break;
        case 5:
          fields.timeoutHeight = reader.uint64();
          break;
        case 6:
          fields.timeoutRound = reader.uint32();
          break;
        case 7:
          fields.timeoutStep = reader.uint32();
          break;
        case 8:
          fields.valid = reader.bool();
          break;
        case 9:
          fields.start = reader.bool();
          break;
        default:
          reader.skipType(tag & 7);
      }
    }
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError(`malformed consensus message: ${(error as Error).message}`);
  }
  return fields;
}

function toMessage(fields: Fields): ConsensusMessage {
  if (fields.proposal !== undefined) {
    if (fields.block === undefined) throw new DecodeError("proposal without its block");
    return { kind: "proposal", proposal: decodeProposal(fields.proposal), blockBytes: fields.block };
  }
  if (fields.vote !== undefined) return { kind: "vote", vote: decodeVote(fields.vote) };
  if (fields.commit !== undefined && fields.block !== undefined)
    return { kind: "commit", blockBytes: fields.block, commit: decodeCommit(fields.commit) };
  throw new DecodeError("consensus message carries no proposal, vote or commit");
}

/** Decodes network bytes (validateBasic of the envelope; signatures are checked by the machine). */
export function decodeConsensusMessage(bytes: Uint8Array): ConsensusMessage {
  return toMessage(readFields(bytes, false));
}

export function decodeWalInput(bytes: Uint8Array): WalInput {
  const fields = readFields(bytes, true);
  if (fields.start === true) return { kind: "start" };
  if (fields.timeoutHeight !== undefined) {
    const step = TIMEOUT_STEPS[fields.timeoutStep ?? -1];
    if (step === undefined) throw new DecodeError("WAL timeout: bad step");
    return { kind: "timeout", height: fields.timeoutHeight, round: fields.timeoutRound ?? 0, step };
  }
  const message = toMessage(fields);
  return fields.valid === undefined ? message : { ...message, valid: fields.valid };
}

/** Decodes block bytes carried by a message. */
export function decodeCarriedBlock(bytes: Uint8Array): Block {
  return decodeBlock(bytes);
}

/** The height a consensus message belongs to. */
export function heightOf(message: ConsensusMessage): bigint {
  if (message.kind === "proposal") return message.proposal.height;
  if (message.kind === "vote") return message.vote.height;
  return message.commit.height;
}
