// Protobuf encoding of blocks, headers, commits and votes (tendermint.types, CometBFT v0.38), through
// cosmjs-types where it has the message. Decoders validate what the generated code does not (flags,
// ranges) and turn every failure into a DecodeError.
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import {
  Commit as ProtoCommit,
  Data as ProtoData,
  Header as ProtoHeader,
  Vote as ProtoVote,
} from "cosmjs-types/tendermint/types/types";
import type { Block, BlockID, Commit, CommitSig, Header, Timestamp, Vote } from "./block.ts";
import { DecodeError } from "./errors.ts";

const INT32_MAX = 2 ** 31 - 1;

type ProtoCommitShape = Parameters<typeof ProtoCommit.encode>[0];
type ProtoVoteShape = Parameters<typeof ProtoVote.encode>[0];

function wrapDecode<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError(`malformed ${what}: ${(error as Error).message}`);
  }
}

function checkTimestamp(what: string, time: Timestamp): Timestamp {
  if (!Number.isInteger(time.nanos) || time.nanos < 0 || time.nanos > 999_999_999)
    throw new DecodeError(`${what}: nanos out of range`);
  return { seconds: time.seconds, nanos: time.nanos };
}

function checkBlockId(what: string, blockId: BlockID): BlockID {
  if (blockId.partSetHeader.total < 0) throw new DecodeError(`${what}: negative part total`);
  return {
    hash: blockId.hash,
    partSetHeader: { total: blockId.partSetHeader.total, hash: blockId.partSetHeader.hash },
  };
}

export function encodeHeader(header: Header): Uint8Array {
  return ProtoHeader.encode(header).finish();
}

export function decodeHeader(bytes: Uint8Array): Header {
  return wrapDecode("header", () => fromProtoHeader(ProtoHeader.decode(bytes)));
}

function fromProtoHeader(header: ReturnType<typeof ProtoHeader.decode>): Header {
  if (header.height < 0n) throw new DecodeError("header: negative height");
  return {
    version: { block: header.version.block, app: header.version.app },
    chainId: header.chainId,
    height: header.height,
    time: checkTimestamp("header time", header.time),
    lastBlockId: checkBlockId("header last_block_id", header.lastBlockId),
    lastCommitHash: header.lastCommitHash,
    dataHash: header.dataHash,
    validatorsHash: header.validatorsHash,
    nextValidatorsHash: header.nextValidatorsHash,
    consensusHash: header.consensusHash,
    appHash: header.appHash,
    lastResultsHash: header.lastResultsHash,
    evidenceHash: header.evidenceHash,
    proposerAddress: header.proposerAddress,
  };
}

export function encodeCommit(commit: Commit): Uint8Array {
  return ProtoCommit.encode(commit as ProtoCommitShape).finish();
}

export function decodeCommit(bytes: Uint8Array): Commit {
  return wrapDecode("commit", () => fromProtoCommit(ProtoCommit.decode(bytes)));
}

function fromProtoCommit(commit: ReturnType<typeof ProtoCommit.decode>): Commit {
  if (commit.height < 0n) throw new DecodeError("commit: negative height");
  if (commit.round < 0) throw new DecodeError("commit: negative round");
  return {
    height: commit.height,
    round: commit.round,
    blockId: checkBlockId("commit block_id", commit.blockId),
    signatures: commit.signatures.map((sig, index): CommitSig => {
      const flag = sig.blockIdFlag as number;
      if (flag !== 1 && flag !== 2 && flag !== 3)
        throw new DecodeError(`commit signature ${index}: unknown block_id_flag ${flag}`);
      return {
        blockIdFlag: flag,
        validatorAddress: sig.validatorAddress,
        timestamp: checkTimestamp(`commit signature ${index}`, sig.timestamp),
        signature: sig.signature,
      };
    }),
  };
}

/** tendermint.types.Block{header=1, data=2, evidence=3 EvidenceList{evidence=1}, last_commit=4}.
 * Evidence entries are raw tendermint.types.Evidence protos. */
export function encodeBlock(block: Block): Uint8Array {
  const writer = BinaryWriter.create();
  ProtoHeader.encode(block.header, writer.uint32(10).fork()).ldelim();
  ProtoData.encode({ txs: block.data.txs }, writer.uint32(18).fork()).ldelim();
  writer.uint32(26).fork();
  for (const evidence of block.evidence) writer.uint32(10).bytes(evidence);
  writer.ldelim();
  ProtoCommit.encode(block.lastCommit as ProtoCommitShape, writer.uint32(34).fork()).ldelim();
  return writer.finish();
}

export function decodeBlock(bytes: Uint8Array): Block {
  return wrapDecode("block", () => {
    const reader = new BinaryReader(bytes);
    let header: Header | undefined;
    let txs: Uint8Array[] = [];
    const evidence: Uint8Array[] = [];
    let lastCommit: Commit | undefined;
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const wireType = tag & 7;
      const field = tag >>> 3;
      if (wireType !== 2) {
        reader.skipType(wireType);
        continue;
      }
      const body = reader.bytes();
      if (field === 1) header = fromProtoHeader(ProtoHeader.decode(body));
      else if (field === 2) txs = ProtoData.decode(body).txs;
      else if (field === 3) evidence.push(...decodeEvidenceList(body));
      else if (field === 4) lastCommit = fromProtoCommit(ProtoCommit.decode(body));
    }
    if (header === undefined) throw new DecodeError("block has no header");
    if (lastCommit === undefined) throw new DecodeError("block has no last_commit");
    return { header, data: { txs }, evidence, lastCommit };
  });
}

function decodeEvidenceList(bytes: Uint8Array): Uint8Array[] {
  const reader = new BinaryReader(bytes);
  const out: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) out.push(reader.bytes());
    else reader.skipType(tag & 7);
  }
  return out;
}

/** tendermint.types.Vote without extensions (those ride in ExtendedCommit, not here). */
export function encodeVote(vote: Vote): Uint8Array {
  return ProtoVote.encode({
    ...vote,
    extension: new Uint8Array(0),
    extensionSignature: new Uint8Array(0),
  } as ProtoVoteShape).finish();
}

export function decodeVote(bytes: Uint8Array): Vote {
  return wrapDecode("vote", () => {
    const vote = ProtoVote.decode(bytes);
    const type = vote.type as number;
    if (type !== 1 && type !== 2 && type !== 32) throw new DecodeError(`vote: bad type ${type}`);
    if (vote.height < 0n || vote.round < 0 || vote.round > INT32_MAX || vote.validatorIndex < 0)
      throw new DecodeError("vote: negative height, round or index");
    return {
      type,
      height: vote.height,
      round: vote.round,
      blockId: checkBlockId("vote block_id", vote.blockId),
      timestamp: checkTimestamp("vote timestamp", vote.timestamp),
      validatorAddress: vote.validatorAddress,
      validatorIndex: vote.validatorIndex,
      signature: vote.signature,
    };
  });
}
