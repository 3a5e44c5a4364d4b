// Value encodings of the block store: CometBFT's own protos wherever one exists (cosmjs-types), so
// the bytes are deterministic and readable by standard tooling; two tiny messages are hand-written.
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import {
  Event as ProtoEvent,
  ResponseFinalizeBlock as ProtoFinalizeBlock,
  TxResult as ProtoTxResult,
  ValidatorUpdate as ProtoValidatorUpdate,
} from "cosmjs-types/tendermint/abci/types";
import {
  type ConsensusParams as ProtoConsensusParams,
  ConsensusParams as ProtoConsensusParamsCodec,
} from "cosmjs-types/tendermint/types/params";
import { BlockMeta as ProtoBlockMeta } from "cosmjs-types/tendermint/types/types";
import { Validator as ProtoValidator } from "cosmjs-types/tendermint/types/validator";
import { utf8Length, utf8Write } from "cosmjs-types/utf8";
import type { ExecTxResult, FinalizeBlockResponse } from "../app/abci.ts";
import type { ConsensusParams, Validator } from "../types/block.ts";
import "../app/binary-writer.ts";
import { DecodeError } from "../types/errors.ts";
import type { BlockMeta } from "./types.ts";

function wrap<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError(`malformed stored ${what}: ${(error as Error).message}`);
  }
}

/** BlockStoreState{base=1 int64, height=2 int64}, as CometBFT's store.proto. */
export function encodeStoreState(state: { base: bigint; height: bigint }): Uint8Array {
  const writer = BinaryWriter.create();
  if (state.base !== 0n) writer.uint32(8).int64(state.base);
  if (state.height !== 0n) writer.uint32(16).int64(state.height);
  return writer.finish();
}

export function decodeStoreState(bytes: Uint8Array): { base: bigint; height: bigint } {
  return wrap("state", () => {
    const reader = new BinaryReader(bytes);
    const state = { base: 0n, height: 0n };
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === 8) state.base = reader.int64();
      else if (tag === 16) state.height = reader.int64();
      else reader.skipType(tag & 7);
    }
    return state;
  });
}

export function encodeBlockMeta(meta: BlockMeta): Uint8Array {
  return ProtoBlockMeta.encode({
    blockId: meta.blockId,
    blockSize: BigInt(meta.blockSize),
    header: meta.header,
    numTxs: BigInt(meta.numTxs),
  }).finish();
}

export function decodeBlockMeta(bytes: Uint8Array): BlockMeta {
  return wrap("block meta", () => {
    const meta = ProtoBlockMeta.decode(bytes);
    return {
      blockId: meta.blockId,
      blockSize: Number(meta.blockSize),
      header: meta.header,
      numTxs: Number(meta.numTxs),
    };
  });
}

function consensusParamsToProto(params: ConsensusParams): ProtoConsensusParams {
  const nanos = params.evidence.maxAgeDurationNs;
  return {
    block: { maxBytes: params.block.maxBytes, maxGas: params.block.maxGas },
    evidence: {
      maxAgeNumBlocks: params.evidence.maxAgeNumBlocks,
      maxAgeDuration: { seconds: nanos / 1_000_000_000n, nanos: Number(nanos % 1_000_000_000n) },
      maxBytes: params.evidence.maxBytes,
    },
    validator: { pubKeyTypes: [...params.validator.pubKeyTypes] },
    version: { app: params.version.app },
  };
}

function consensusParamsFromProto(params: ProtoConsensusParams): ConsensusParams {
  const duration = params.evidence?.maxAgeDuration;
  return {
    block: { maxBytes: params.block?.maxBytes ?? 0n, maxGas: params.block?.maxGas ?? 0n },
    evidence: {
      maxAgeNumBlocks: params.evidence?.maxAgeNumBlocks ?? 0n,
      maxAgeDurationNs:
        duration === undefined ? 0n : duration.seconds * 1_000_000_000n + BigInt(duration.nanos),
      maxBytes: params.evidence?.maxBytes ?? 0n,
    },
    validator: { pubKeyTypes: params.validator?.pubKeyTypes ?? [] },
    version: { app: params.version?.app ?? 0n },
  };
}

/** tendermint.abci.ExecTxResult, byte for byte what its generated encoder writes (fields in order,
 * defaults omitted, cosmjs-types' own UTF-8 writer), by hand in two passes (sizes, then bytes into one
 * exact allocation): a tx's ~12 events of ~25 attributes made the generated encoder (an operation
 * object per field, a fork per message) the block store's largest cost. Encoded once per tx, then
 * embedded both in the block's results and in the tx's own record. */
export function encodeExecTxResult(result: ExecTxResult): Uint8Array {
  // Pass 1: UTF-8 lengths and message sizes, in the order pass 2 consumes them.
  const sizes: number[] = [];
  let eventsSize = 0;
  for (const event of result.events) {
    const typeLength = utf8Length(event.type);
    let eventSize = stringFieldSize(typeLength);
    const at = sizes.length;
    sizes.push(typeLength, 0);
    for (const attribute of event.attributes) {
      const keyLength = utf8Length(attribute.key);
      const valueLength = utf8Length(attribute.value);
      const attributeSize =
        stringFieldSize(keyLength) + stringFieldSize(valueLength) + (attribute.index ? 2 : 0);
      sizes.push(keyLength, valueLength, attributeSize);
      eventSize += 1 + varintLength(attributeSize) + attributeSize;
    }
    sizes[at + 1] = eventSize;
    eventsSize += 1 + varintLength(eventSize) + eventSize;
  }
  const logLength = utf8Length(result.log);
  const infoLength = utf8Length(result.info);
  const codespaceLength = utf8Length(result.codespace);
  const gasWanted = BigInt.asUintN(64, result.gasWanted);
  const gasUsed = BigInt.asUintN(64, result.gasUsed);
  const code = result.code >>> 0;
  const total =
    (code === 0 ? 0 : 1 + varintLength(code)) +
    (result.data.length === 0 ? 0 : 1 + varintLength(result.data.length) + result.data.length) +
    stringFieldSize(logLength) +
    stringFieldSize(infoLength) +
    (gasWanted === 0n ? 0 : 1 + bigVarintLength(gasWanted)) +
    (gasUsed === 0n ? 0 : 1 + bigVarintLength(gasUsed)) +
    eventsSize +
    stringFieldSize(codespaceLength);

  // Pass 2.
  const out = new Uint8Array(total);
  let offset = 0;
  const varint = (value: number) => {
    while (value > 0x7f) {
      out[offset++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    out[offset++] = value;
  };
  const string = (tag: number, text: string, length: number) => {
    if (length === 0) return;
    out[offset++] = tag;
    varint(length);
    offset += utf8Write(text, out, offset);
  };
  const bigVarint = (tag: number, value: bigint) => {
    if (value === 0n) return;
    out[offset++] = tag;
    while (value > 0x7fn) {
      out[offset++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    out[offset++] = Number(value);
  };
  if (code !== 0) {
    out[offset++] = 8;
    varint(code);
  }
  if (result.data.length !== 0) {
    out[offset++] = 18;
    varint(result.data.length);
    out.set(result.data, offset);
    offset += result.data.length;
  }
  string(26, result.log, logLength);
  string(34, result.info, infoLength);
  bigVarint(40, gasWanted);
  bigVarint(48, gasUsed);
  let next = 0;
  for (const event of result.events) {
    const typeLength = sizes[next++]!;
    out[offset++] = 58;
    varint(sizes[next++]!);
    string(10, event.type, typeLength);
    for (const attribute of event.attributes) {
      const keyLength = sizes[next++]!;
      const valueLength = sizes[next++]!;
      out[offset++] = 18;
      varint(sizes[next++]!);
      string(10, attribute.key, keyLength);
      string(18, attribute.value, valueLength);
      if (attribute.index) {
        out[offset++] = 24;
        out[offset++] = 1;
      }
    }
  }
  string(66, result.codespace, codespaceLength);
  if (offset !== total) throw new Error(`assertion: ExecTxResult encoded to ${offset} of ${total} bytes`);
  return out;
}

function varintLength(value: number): number {
  let length = 1;
  while (value > 0x7f) {
    value >>>= 7;
    length++;
  }
  return length;
}

function bigVarintLength(value: bigint): number {
  let length = 1;
  while (value > 0x7fn) {
    value >>= 7n;
    length++;
  }
  return length;
}

/** A proto3 string field of `length` UTF-8 bytes; omitted (0 bytes) when empty. */
function stringFieldSize(length: number): number {
  return length === 0 ? 0 : 1 + varintLength(length) + length;
}

/** tendermint.abci.ResponseFinalizeBlock, byte for byte what its generated encoder writes (fields in
 * order, defaults omitted). `encodedTxResults` are encodeExecTxResult of results.txResults, if known. */
export function encodeResults(
  results: FinalizeBlockResponse,
  encodedTxResults: readonly Uint8Array[] = results.txResults.map(encodeExecTxResult),
): Uint8Array {
  const writer = BinaryWriter.create();
  for (const event of results.events) ProtoEvent.encode(event, writer.uint32(10).fork()).ldelim();
  for (const bytes of encodedTxResults) writer.uint32(18).bytes(bytes);
  for (const update of results.validatorUpdates)
    ProtoValidatorUpdate.encode(
      { pubKey: { ed25519: update.pubKey }, power: update.power },
      writer.uint32(26).fork(),
    ).ldelim();
  if (results.consensusParamUpdates !== undefined)
    ProtoConsensusParamsCodec.encode(
      consensusParamsToProto(results.consensusParamUpdates),
      writer.uint32(34).fork(),
    ).ldelim();
  if (results.appHash.length !== 0) writer.uint32(42).bytes(results.appHash);
  return writer.finish();
}

export function decodeResults(bytes: Uint8Array): FinalizeBlockResponse {
  return wrap("results", () => {
    const decoded = ProtoFinalizeBlock.decode(bytes);
    const results: FinalizeBlockResponse = {
      events: decoded.events,
      txResults: decoded.txResults,
      validatorUpdates: decoded.validatorUpdates.map((update) => {
        if (update.pubKey.ed25519 === undefined)
          throw new DecodeError("validator update without ed25519 key");
        return { pubKey: update.pubKey.ed25519, power: update.power };
      }),
      appHash: decoded.appHash,
    };
    if (decoded.consensusParamUpdates !== undefined)
      results.consensusParamUpdates = consensusParamsFromProto(decoded.consensusParamUpdates);
    return results;
  });
}

/** tendermint.abci.TxResult{height, index, tx, result}: what CometBFT's kv indexer stores per tx.
 * `encodedResult` is encodeExecTxResult(record.result), if known. */
export function encodeTxRecord(
  record: { height: bigint; index: number; tx: Uint8Array; result: ExecTxResult },
  encodedResult: Uint8Array = encodeExecTxResult(record.result),
): Uint8Array {
  const writer = BinaryWriter.create();
  if (record.height !== 0n) writer.uint32(8).int64(record.height);
  if (record.index !== 0) writer.uint32(16).uint32(record.index);
  if (record.tx.length !== 0) writer.uint32(26).bytes(record.tx);
  writer.uint32(34).bytes(encodedResult);
  return writer.finish();
}

export function decodeTxRecord(bytes: Uint8Array): {
  height: bigint;
  index: number;
  tx: Uint8Array;
  result: ExecTxResult;
} {
  return wrap("tx", () => {
    const record = ProtoTxResult.decode(bytes);
    return { height: record.height, index: record.index, tx: record.tx, result: record.result };
  });
}

export interface ValidatorsInfo {
  lastHeightChanged: bigint;
  /** Present at change heights (and checkpoints); absent entries point to lastHeightChanged. */
  validators: Validator[] | undefined;
}

/** ValidatorsInfo{last_height_changed=1 int64, validators=2 repeated tendermint.types.Validator}. */
export function encodeValidatorsInfo(info: ValidatorsInfo): Uint8Array {
  const writer = BinaryWriter.create();
  writer.uint32(8).int64(info.lastHeightChanged);
  for (const validator of info.validators ?? []) {
    ProtoValidator.encode(
      {
        address: validator.address,
        pubKey: { ed25519: validator.pubKey },
        votingPower: validator.votingPower,
        proposerPriority: validator.proposerPriority,
      },
      writer.uint32(18).fork(),
    ).ldelim();
  }
  return writer.finish();
}

export function decodeValidatorsInfo(bytes: Uint8Array): ValidatorsInfo {
  return wrap("validators", () => {
    const reader = new BinaryReader(bytes);
    let lastHeightChanged = 0n;
    const validators: Validator[] = [];
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === 8) lastHeightChanged = reader.int64();
      else if (tag === 18) {
        const validator = ProtoValidator.decode(reader.bytes());
        if (validator.pubKey.ed25519 === undefined)
          throw new DecodeError("stored validator without ed25519 key");
        validators.push({
          address: validator.address,
          pubKey: validator.pubKey.ed25519,
          votingPower: validator.votingPower,
          proposerPriority: validator.proposerPriority,
        });
      } else reader.skipType(tag & 7);
    }
    return { lastHeightChanged, validators: validators.length > 0 ? validators : undefined };
  });
}
