// Value encodings of the block store: CometBFT's own protos wherever one exists (cosmjs-types), so
// the bytes are deterministic and readable by standard tooling; two tiny messages are hand-written.
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import {
  Event as ProtoEvent,
  ExecTxResult as ProtoExecTxResult,
  ResponseFinalizeBlock as ProtoFinalizeBlock,
  ValidatorUpdate as ProtoValidatorUpdate,
} from "cosmjs-types/tendermint/abci/types";
import {
  type ConsensusParams as ProtoConsensusParams,
  ConsensusParams as ProtoConsensusParamsCodec,
} from "cosmjs-types/tendermint/types/params";
import { BlockMeta as ProtoBlockMeta } from "cosmjs-types/tendermint/types/types";
import { Validator as ProtoValidator } from "cosmjs-types/tendermint/types/validator";
import { utf8Write } from "cosmjs-types/utf8";
import type { ExecTxResult, FinalizeBlockResponse } from "../app/abci.ts";
import type { ConsensusParams, Validator } from "../types/block.ts";
import "../app/binary-writer.ts";
import { DecodeError } from "../types/errors.ts";
import { type Allocate, allocateFresh } from "./byte-arena.ts";
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
 * defaults omitted, cosmjs-types' own UTF-8 writer for anything not ASCII), by hand in one pass into a
 * reused scratch buffer, then copied out: a tx's ~12 events of ~25 attributes made the generated
 * encoder (an operation object per field, a fork per message) the block store's largest cost, and a
 * two-pass version (sizes, then bytes) still measured twice this one. Each length is reserved as one
 * byte and the content moved when it needs more (events over 127 bytes). Encoded once per tx, then
 * embedded both in the block's results and in the tx's own record. */
export function encodeExecTxResult(result: ExecTxResult, allocate: Allocate = allocateFresh): Uint8Array {
  scratchAt = 0;
  wellFormed = true;
  reserve(64 + result.data.length);
  const code = result.code >>> 0;
  if (code !== 0) {
    scratch[scratchAt++] = 8;
    writeVarint(code);
  }
  if (result.data.length !== 0) {
    scratch[scratchAt++] = 18;
    writeVarint(result.data.length);
    scratch.set(result.data, scratchAt);
    scratchAt += result.data.length;
  }
  writeStringField(26, result.log);
  writeStringField(34, result.info);
  reserve(24);
  writeBigVarintField(40, BigInt.asUintN(64, result.gasWanted));
  writeBigVarintField(48, BigInt.asUintN(64, result.gasUsed));
  for (const event of result.events) {
    reserve(2);
    scratch[scratchAt++] = 58;
    const eventLengthAt = scratchAt++;
    writeStringField(10, event.type);
    for (const attribute of event.attributes) {
      reserve(2);
      scratch[scratchAt++] = 18;
      const attributeLengthAt = scratchAt++;
      writeStringField(10, attribute.key);
      writeStringField(18, attribute.value);
      if (attribute.index) {
        reserve(2);
        scratch[scratchAt++] = 24;
        scratch[scratchAt++] = 1;
      }
      closeLength(attributeLengthAt);
    }
    closeLength(eventLengthAt);
  }
  writeStringField(66, result.codespace);
  const out = allocate(scratchAt);
  out.set(scratch.subarray(0, scratchAt));
  if (scratch.length > MAX_SCRATCH_BYTES) scratch = new Uint8Array(INITIAL_SCRATCH_BYTES);
  return out;
}

/** Whether every string the last encodeExecTxResult wrote was well-formed UTF-16: then its bytes are
 * what TextEncoder makes of each, and decoding gives the strings back (cosmjs-types' writer encodes a
 * lone surrogate as three bytes that are not UTF-8). */
export function lastEncodingWellFormed(): boolean {
  return wellFormed;
}

let wellFormed = true;

/** encodeExecTxResult's scratch: a MsgSend's result is ~1 KiB. It grows for a larger result and is
 * dropped afterwards when it grew past MAX_SCRATCH_BYTES, so one huge result does not stay resident. */
const INITIAL_SCRATCH_BYTES = 16 * 1024;
const MAX_SCRATCH_BYTES = 1024 * 1024;
let scratch = new Uint8Array(INITIAL_SCRATCH_BYTES);
let scratchAt = 0;

/** Room for `bytes` more at scratchAt. */
function reserve(bytes: number): void {
  if (scratchAt + bytes <= scratch.length) return;
  const grown = new Uint8Array(Math.max(2 * scratch.length, scratchAt + bytes));
  grown.set(scratch.subarray(0, scratchAt));
  scratch = grown;
}

function writeVarint(value: number): void {
  while (value > 0x7f) {
    scratch[scratchAt++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  scratch[scratchAt++] = value;
}

function writeBigVarintField(tag: number, value: bigint): void {
  if (value === 0n) return;
  scratch[scratchAt++] = tag;
  while (value > 0x7fn) {
    scratch[scratchAt++] = Number(value & 0x7fn) | 0x80;
    value >>= 7n;
  }
  scratch[scratchAt++] = Number(value);
}

/** A proto3 string field (omitted when empty): ASCII copied char by char, anything else through
 * cosmjs-types' utf8Write (UTF-8 takes at most 3 bytes per UTF-16 code unit). */
function writeStringField(tag: number, text: string): void {
  const length = text.length;
  if (length === 0) return;
  reserve(2 + 3 * length);
  scratch[scratchAt++] = tag;
  const lengthAt = scratchAt++;
  const start = scratchAt;
  let i = 0;
  for (; i < length; i++) {
    const char = text.charCodeAt(i);
    if (char >= 0x80) break;
    scratch[start + i] = char;
  }
  if (i < length && !text.isWellFormed()) wellFormed = false;
  scratchAt = start + (i === length ? length : utf8Write(text, scratch, start));
  closeLength(lengthAt);
}

/** Writes the length of what follows lengthAt (one byte was reserved there) as a varint, moving the
 * content up when the varint needs more than that byte. */
function closeLength(lengthAt: number): void {
  const length = scratchAt - lengthAt - 1;
  if (length < 0x80) {
    scratch[lengthAt] = length;
    return;
  }
  const extra = varintLength(length) - 1;
  reserve(extra);
  scratch.copyWithin(lengthAt + 1 + extra, lengthAt + 1, scratchAt);
  scratchAt += extra;
  let at = lengthAt;
  let value = length;
  while (value > 0x7f) {
    scratch[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  scratch[at] = value;
}

/** Varint bytes of a non-negative safe integer. */
function varintLength(value: number): number {
  let length = 1;
  while (value > 0x7f) {
    value = Math.floor(value / 0x80);
    length++;
  }
  return length;
}

/** Writes a non-negative safe integer as a varint at `at`; returns the position after it. */
function writeVarintAt(out: Uint8Array, at: number, value: number): number {
  while (value > 0x7f) {
    out[at++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[at++] = value;
  return at;
}

/** tendermint.abci.ResponseFinalizeBlock, byte for byte what its generated encoder writes (fields in
 * order, defaults omitted). `encodedTxResults` are encodeExecTxResult of results.txResults, if known. */
export function encodeResults(
  results: FinalizeBlockResponse,
  encodedTxResults: readonly Uint8Array[] = results.txResults.map((result) => encodeExecTxResult(result)),
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
 * `encodedResult` is encodeExecTxResult(record.result), if known. Written by hand into one array
 * from `allocate`, byte for byte what the generated encoder writes (which still serves a height
 * outside 0..2^53, never stored). */
export function encodeTxRecord(
  record: { height: bigint; index: number; tx: Uint8Array; result?: ExecTxResult },
  encodedResult: Uint8Array | undefined = record.result === undefined
    ? undefined
    : encodeExecTxResult(record.result),
  allocate: Allocate = allocateFresh,
): Uint8Array {
  const { height, tx } = record;
  if (height < 0n || height > MAX_SAFE_HEIGHT) return encodeTxRecordGenerated(record, encodedResult);
  const heightNumber = Number(height);
  const index = record.index >>> 0;
  let length =
    encodedResult === undefined ? 0 : 1 + varintLength(encodedResult.length) + encodedResult.length;
  if (heightNumber !== 0) length += 1 + varintLength(heightNumber);
  if (index !== 0) length += 1 + varintLength(index);
  if (tx.length !== 0) length += 1 + varintLength(tx.length) + tx.length;
  const out = allocate(length);
  let at = 0;
  if (heightNumber !== 0) {
    out[at++] = 8;
    at = writeVarintAt(out, at, heightNumber);
  }
  if (index !== 0) {
    out[at++] = 16;
    at = writeVarintAt(out, at, index);
  }
  if (tx.length !== 0) {
    out[at++] = 26;
    at = writeVarintAt(out, at, tx.length);
    out.set(tx, at);
    at += tx.length;
  }
  if (encodedResult === undefined) return out;
  out[at++] = 34;
  at = writeVarintAt(out, at, encodedResult.length);
  out.set(encodedResult, at);
  return out;
}

const MAX_SAFE_HEIGHT = BigInt(Number.MAX_SAFE_INTEGER);

function encodeTxRecordGenerated(
  record: { height: bigint; index: number; tx: Uint8Array },
  encodedResult: Uint8Array | undefined,
): Uint8Array {
  const writer = BinaryWriter.create();
  if (record.height !== 0n) writer.uint32(8).int64(record.height);
  if (record.index !== 0) writer.uint32(16).uint32(record.index);
  if (record.tx.length !== 0) writer.uint32(26).bytes(record.tx);
  if (encodedResult !== undefined) writer.uint32(34).bytes(encodedResult);
  return writer.finish();
}

export interface TxRecord {
  height: bigint;
  index: number;
  tx: Uint8Array;
  result: ExecTxResult | undefined;
}

/** `result` is absent from format 2's records (the block store keeps it by height and index). */
export function decodeTxRecord(bytes: Uint8Array): TxRecord {
  return wrap("tx", () => {
    // By hand: the generated decoder gives an absent result as an empty one.
    const reader = new BinaryReader(bytes);
    const record: TxRecord = { height: 0n, index: 0, tx: new Uint8Array(0), result: undefined };
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === 8) record.height = reader.int64();
      else if (tag === 16) record.index = reader.uint32();
      else if (tag === 26) record.tx = reader.bytes();
      else if (tag === 34) record.result = ProtoExecTxResult.decode(reader.bytes());
      else reader.skipType(tag & 7);
    }
    return record;
  });
}

export function decodeExecTxResult(bytes: Uint8Array): ExecTxResult {
  return wrap("tx result", () => ProtoExecTxResult.decode(bytes));
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
