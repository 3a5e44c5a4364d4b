// Proposals travel as block parts (CometBFT ProposalMessage + BlockPartMessage): the signed proposal
// alone, then the block cut into 64 KiB parts (chain/types/part-set.ts), each with its merkle proof
// to the proposal's part_set_header. A node checks every part on arrival against the proposal it
// holds, forwards it at once (gossipsub forwards only what the validator accepted), and hands the
// engine the whole proposal when the last part is in; the engine sees a proposal with its block, as
// before. A block of any size is gossiped in messages of at most one part, and a part that does not
// match the signed part set hash is rejected (its forwarder penalised) without decoding any block.
//
// Wire: the consensus topic's envelope (chain/consensus/tendermint/messages.ts) with field 1 alone is
// the proposal; field 10 is a part:
//   message BlockPart { uint64 height = 1; uint32 round = 2; bytes part_set_hash = 3;
//                       tendermint.types.Part part = 4; }
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import {
  type ConsensusMessage,
  decodeConsensusMessage,
  decodeProposal,
  encodeProposal,
  MAX_CONSENSUS_MESSAGE_BYTES,
} from "../consensus/tendermint/messages.ts";
import type { Proposal } from "../consensus/tendermint/types.ts";
import { toHex } from "../crypto/hash.ts";
import type { Vote } from "../types/block.ts";
import { decodeVote, encodeVote } from "../types/block-codec.ts";
import { DecodeError } from "../types/errors.ts";
import {
  BLOCK_PART_SIZE_BYTES,
  decodePart,
  encodePart,
  joinParts,
  makePartSet,
  type Part,
  verifyPart,
} from "../types/part-set.ts";
import { COMPACT_PROPOSAL_FIELD, type CompactProposal, decodeCompactProposal } from "./compact-proposal.ts";

/** Proposals being assembled or recently delivered, kept per node: a few rounds of a height and the
 * next one, with room for an equivocating proposer's second block. The oldest is dropped first. */
export const MAX_ASSEMBLING_PROPOSALS = 16;
/** Part bytes held by incomplete proposals, bytes: a few maximal gossip blocks. A part that does not
 * fit after the older proposals were dropped is ignored (a repeat brings it again). */
export const MAX_ASSEMBLING_BYTES = 48 * 1024 * 1024;
/** Parts of one proposal: the largest consensus message cut into parts. */
export const MAX_PROPOSAL_PARTS = Math.ceil(MAX_CONSENSUS_MESSAGE_BYTES / BLOCK_PART_SIZE_BYTES);

export interface BlockPartMessage {
  height: bigint;
  round: number;
  partSetHash: Uint8Array;
  part: Part;
}

export function encodeBlockPart(message: BlockPartMessage): Uint8Array {
  const writer = BinaryWriter.create();
  writer.uint32(8).uint64(message.height).uint32(16).uint32(message.round);
  writer.uint32(26).bytes(message.partSetHash).uint32(34).bytes(encodePart(message.part));
  return writer.finish();
}

export function decodeBlockPart(bytes: Uint8Array): BlockPartMessage {
  let height = 0n;
  let round = 0;
  let partSetHash: Uint8Array | undefined;
  let part: Part | undefined;
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      switch (tag >>> 3) {
        case 1:
          height = reader.uint64();
          break;
        case 2:
          round = reader.uint32();
          break;
        case 3:
          partSetHash = reader.bytes();
          break;
        case 4:
          part = decodePart(reader.bytes());
          break;
        default:
          reader.skipType(tag & 7);
      }
    }
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError(`malformed block part: ${(error as Error).message}`);
  }
  if (height <= 0n || partSetHash?.length !== 32 || part === undefined)
    throw new DecodeError("block part: height, part set hash or part missing");
  return { height, round, partSetHash, part };
}

/** What a consensus-topic envelope carries: an engine message, a proposal whose parts follow, or a part. */
export type GossipFrame =
  | { kind: "message"; message: ConsensusMessage }
  | { kind: "compact"; compact: CompactProposal }
  | { kind: "votes"; votes: Vote[] }
  | { kind: "proposal"; proposal: Proposal }
  | { kind: "part"; part: BlockPartMessage };

const PROPOSAL_FIELD = 1;
const BLOCK_FIELD = 3;
const PART_FIELD = 10;
/** Repeated field of a vote batch: each a tendermint.types.Vote (the gossip repeats, one message a tick). */
const VOTE_BATCH_FIELD = 12;

/** The envelope of several votes (field 12 each, nothing else). */
export function encodeVoteBatchFrame(votes: readonly Vote[]): Uint8Array {
  const writer = BinaryWriter.create();
  for (const vote of votes) writer.uint32((VOTE_BATCH_FIELD << 3) | 2).bytes(encodeVote(vote));
  return writer.finish();
}

/** The envelope of a proposal without its block (its parts follow). */
export function encodeProposalFrame(proposal: Proposal): Uint8Array {
  return BinaryWriter.create().uint32(10).bytes(encodeProposal(proposal)).finish();
}

export function encodePartFrame(part: BlockPartMessage): Uint8Array {
  return BinaryWriter.create().uint32(82).bytes(encodeBlockPart(part)).finish();
}

/** Decodes an envelope: votes (field 12 only, repeated), a compact proposal (field 11 alone,
 * compact-proposal.ts), a part (field 10
 * alone), a proposal without block (field 1 alone), or what
 * the engine takes (decodeConsensusMessage, which refuses any other field). */
export function decodeGossipFrame(bytes: Uint8Array): GossipFrame {
  const fields = new Map<number, Uint8Array>();
  const votes: Uint8Array[] = [];
  let count = 0;
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if ((tag & 7) !== 2) return { kind: "message", message: decodeConsensusMessage(bytes) };
      const field = tag >>> 3;
      if (field === VOTE_BATCH_FIELD) votes.push(reader.bytes());
      else fields.set(field, reader.bytes());
      count++;
    }
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError(`malformed consensus message: ${(error as Error).message}`);
  }
  if (votes.length > 0) {
    if (count !== votes.length) throw new DecodeError("vote batch with other fields");
    return { kind: "votes", votes: votes.map((vote) => decodeVote(vote)) };
  }
  const compact = fields.get(COMPACT_PROPOSAL_FIELD);
  if (compact !== undefined) {
    if (count !== 1) throw new DecodeError("compact proposal with other fields");
    return { kind: "compact", compact: decodeCompactProposal(compact) };
  }
  const part = fields.get(PART_FIELD);
  if (part !== undefined) {
    if (count !== 1) throw new DecodeError("block part with other fields");
    return { kind: "part", part: decodeBlockPart(part) };
  }
  const proposal = fields.get(PROPOSAL_FIELD);
  if (proposal !== undefined && count === 1 && !fields.has(BLOCK_FIELD))
    return { kind: "proposal", proposal: decodeProposal(proposal) };
  return { kind: "message", message: decodeConsensusMessage(bytes) };
}

/** The parts of a proposal's block, in order (the sender side). */
export function blockPartsOf(proposal: Proposal, blockBytes: Uint8Array): BlockPartMessage[] {
  const { parts } = makePartSet(blockBytes);
  const partSetHash = proposal.blockId.partSetHeader.hash;
  return parts.map((part) => ({ height: proposal.height, round: proposal.round, partSetHash, part }));
}

interface Entry {
  proposal: Proposal;
  parts: (Part | undefined)[];
  received: number;
  bytes: number;
  delivered: boolean;
}

export type PartVerdict =
  | { verdict: "reject" | "ignore" }
  | { verdict: "accept"; complete?: { proposal: Proposal; blockBytes: Uint8Array } };

/** Proposals whose parts are arriving. The caller has checked each proposal's signature. */
export class ProposalAssembly {
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  /** A proposal whose parts will follow; false when it cannot be assembled (too many parts). A
   * proposal seen again (a repeat) starts over, so that its block reaches the engine again. */
  addProposal(proposal: Proposal): boolean {
    const total = proposal.blockId.partSetHeader.total;
    if (total > MAX_PROPOSAL_PARTS) return false;
    const key = keyOf(proposal.height, proposal.round, proposal.blockId.partSetHeader.hash);
    this.#drop(key);
    while (this.#entries.size >= MAX_ASSEMBLING_PROPOSALS) this.#drop(this.#entries.keys().next().value!);
    this.#entries.set(key, {
      proposal,
      parts: new Array(total).fill(undefined),
      received: 0,
      bytes: 0,
      delivered: false,
    });
    return true;
  }

  /** Checks a part against its proposal's part set; the last one completes the block. */
  addPart(message: BlockPartMessage): PartVerdict {
    const key = keyOf(message.height, message.round, message.partSetHash);
    const entry = this.#entries.get(key);
    // Unknown (its proposal was ignored or dropped), complete, or a copy already held.
    if (entry === undefined || entry.delivered || entry.parts[message.part.index] !== undefined)
      return { verdict: "ignore" };
    try {
      verifyPart(entry.proposal.blockId.partSetHeader, message.part);
    } catch {
      return { verdict: "reject" };
    }
    const size = message.part.bytes.length;
    for (const older of this.#entries.keys()) {
      if (this.#bytes + size <= MAX_ASSEMBLING_BYTES || older === key) break;
      this.#drop(older);
    }
    if (this.#bytes + size > MAX_ASSEMBLING_BYTES) return { verdict: "ignore" };
    entry.parts[message.part.index] = message.part;
    entry.received++;
    entry.bytes += size;
    this.#bytes += size;
    if (entry.received < entry.parts.length) return { verdict: "accept" };
    const blockBytes = joinParts(entry.parts as Part[]);
    this.#release(entry);
    entry.delivered = true;
    return { verdict: "accept", complete: { proposal: entry.proposal, blockBytes } };
  }

  /** Part bytes held (tests, bounds). */
  get bytes(): number {
    return this.#bytes;
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#release(entry);
    this.#entries.delete(key);
  }

  #release(entry: Entry): void {
    this.#bytes -= entry.bytes;
    entry.bytes = 0;
    entry.parts = [];
  }
}

function keyOf(height: bigint, round: number, partSetHash: Uint8Array): string {
  return `${height}/${round}/${toHex(partSetHash)}`;
}
