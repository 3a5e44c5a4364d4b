// Header hash (types/block.go Header.Hash, CometBFT v0.38): the simple Merkle root of 14 fields, each
// proto-encoded on its own; scalar fields go through cdcEncode, i.e. google.protobuf wrapper messages.
import { BinaryWriter } from "cosmjs-types/binary";
import { Timestamp as ProtoTimestamp } from "cosmjs-types/google/protobuf/timestamp";
import { BlockID as ProtoBlockID } from "cosmjs-types/tendermint/types/types";
import { Consensus } from "cosmjs-types/tendermint/version/types";
import type { Header } from "./block.ts";
import { hashFromByteSlices } from "./merkle.ts";

/** Block protocol version of CometBFT v0.38 and v1 (version.BlockProtocol). */
export const BLOCK_PROTOCOL = 11n;

/** gogotypes.StringValue: field 1, omitted when empty. */
export function encodeStringValue(value: string): Uint8Array {
  const writer = BinaryWriter.create();
  if (value !== "") writer.uint32(10).string(value);
  return writer.finish();
}

/** gogotypes.Int64Value: field 1, omitted when 0. */
export function encodeInt64Value(value: bigint): Uint8Array {
  const writer = BinaryWriter.create();
  if (value !== 0n) writer.uint32(8).int64(value);
  return writer.finish();
}

/** gogotypes.BytesValue: field 1, omitted when empty. */
export function encodeBytesValue(value: Uint8Array): Uint8Array {
  const writer = BinaryWriter.create();
  if (value.length > 0) writer.uint32(10).bytes(value);
  return writer.finish();
}

/** Header.Hash; empty when validators_hash is empty (an incomplete header has no hash). */
export function headerHash(header: Header): Uint8Array {
  if (header.validatorsHash.length === 0) return new Uint8Array(0);
  return hashFromByteSlices([
    Consensus.encode(header.version).finish(),
    encodeStringValue(header.chainId),
    encodeInt64Value(header.height),
    ProtoTimestamp.encode(header.time).finish(),
    ProtoBlockID.encode(header.lastBlockId).finish(),
    encodeBytesValue(header.lastCommitHash),
    encodeBytesValue(header.dataHash),
    encodeBytesValue(header.validatorsHash),
    encodeBytesValue(header.nextValidatorsHash),
    encodeBytesValue(header.consensusHash),
    encodeBytesValue(header.appHash),
    encodeBytesValue(header.lastResultsHash),
    encodeBytesValue(header.evidenceHash),
    encodeBytesValue(header.proposerAddress),
  ]);
}

/** The block executor's name for headerHash. */
export const hashHeader = headerHash;
