// Block-sync wire format (protobuf, one length-prefixed request and one response per stream):
//   message Request  { uint32 kind = 1;  /* 1 status, 2 blocks */  uint64 from_height = 2; uint64 to_height = 3; }
//   message Response { uint64 base = 1; uint64 height = 2; repeated Entry blocks = 3; }
//   message Entry    { bytes block = 1;  /* tendermint.types.Block */  bytes commit = 2; /* tendermint.types.Commit */ }
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { DecodeError } from "../types/errors.ts";

export const RequestKind = { status: 1, blocks: 2 } as const;

export type BlockSyncRequest = { kind: "status" } | { kind: "blocks"; fromHeight: bigint; toHeight: bigint };

export interface BlockSyncEntry {
  block: Uint8Array;
  commit: Uint8Array;
}

export interface BlockSyncResponse {
  base: bigint;
  height: bigint;
  blocks: BlockSyncEntry[];
}

export function encodeRequest(request: BlockSyncRequest): Uint8Array {
  const writer = BinaryWriter.create();
  if (request.kind === "status") writer.uint32(8).uint32(RequestKind.status);
  else
    writer
      .uint32(8)
      .uint32(RequestKind.blocks)
      .uint32(16)
      .uint64(request.fromHeight)
      .uint32(24)
      .uint64(request.toHeight);
  return writer.finish();
}

export function decodeRequest(bytes: Uint8Array): BlockSyncRequest {
  let kind = 0;
  let fromHeight = 0n;
  let toHeight = 0n;
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === 8) kind = reader.uint32();
      else if (tag === 16) fromHeight = reader.uint64();
      else if (tag === 24) toHeight = reader.uint64();
      else reader.skipType(tag & 7);
    }
  } catch (error) {
    throw new DecodeError(`malformed block-sync request: ${(error as Error).message}`);
  }
  if (kind === RequestKind.status) return { kind: "status" };
  if (kind !== RequestKind.blocks) throw new DecodeError(`block-sync request: unknown kind ${kind}`);
  if (fromHeight <= 0n || toHeight < fromHeight)
    throw new DecodeError("block-sync request: bad height range");
  return { kind: "blocks", fromHeight, toHeight };
}

export function encodeResponse(response: BlockSyncResponse): Uint8Array {
  const writer = BinaryWriter.create();
  writer.uint32(8).uint64(response.base).uint32(16).uint64(response.height);
  for (const entry of response.blocks)
    writer.uint32(26).fork().uint32(10).bytes(entry.block).uint32(18).bytes(entry.commit).ldelim();
  return writer.finish();
}

export function decodeResponse(bytes: Uint8Array): BlockSyncResponse {
  const response: BlockSyncResponse = { base: 0n, height: 0n, blocks: [] };
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === 8) response.base = reader.uint64();
      else if (tag === 16) response.height = reader.uint64();
      else if (tag === 26) {
        const inner = new BinaryReader(reader.bytes());
        const entry: BlockSyncEntry = { block: new Uint8Array(), commit: new Uint8Array() };
        while (inner.pos < inner.len) {
          const innerTag = inner.uint32();
          if (innerTag === 10) entry.block = inner.bytes();
          else if (innerTag === 18) entry.commit = inner.bytes();
          else inner.skipType(innerTag & 7);
        }
        response.blocks.push(entry);
      } else reader.skipType(tag & 7);
    }
  } catch (error) {
    throw new DecodeError(`malformed block-sync response: ${(error as Error).message}`);
  }
  return response;
}
