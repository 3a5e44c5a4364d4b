// TxRaw → TxBody, AuthInfo in one pass over the bytes, for the shapes wallets send
// (cosmjs' signDirect: messages, memo, timeout height, one or more SIGN_MODE single signers, a fee).
// Yields exactly what cosmjs-types' TxRaw/TxBody/AuthInfo.decode yield for those bytes; anything
// else (unknown or extension fields, a tip, multisig, timeout timestamp, non-ASCII strings, odd
// wire types or lengths) returns undefined and the caller decodes with cosmjs-types, so its
// answer for unusual bytes, errors included, stays the definition (test/app/tx-decode.test.ts).
// cosmjs-types copies the input at every level and builds a reader per message: the decode was
// ~4% of the pipeline's main thread at ingress.
import type { AuthInfo, Fee, ModeInfo, SignerInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import {
  type ProtoCursor,
  readAny,
  readAsciiString,
  readBytes,
  readCoin,
  readCommonShape,
  readFieldEnd,
  readSmallVarint,
  readUint64,
  UNUSUAL,
} from "./proto-reader.ts";

/** T whose optional fields are present as undefined, as cosmjs-types' createBase* builds them. */
type Built<T> = { [K in keyof T]-?: Record<never, never> extends Pick<T, K> ? T[K] | undefined : T[K] };

export interface RawTxParts {
  raw: TxRaw;
  body: TxBody;
  authInfo: AuthInfo;
}

/** The parts of a common tx, or undefined when cosmjs-types must decode it. */
export function decodeCommonTx(bytes: Uint8Array): RawTxParts | undefined {
  // Views of the caller's array, no copy (cosmjs-types copies): a decoded tx keeps that array anyway
  // (DecodedTx.bytes) and tx arrays are never written to once received, so a copy only added an
  // off-heap buffer per tx that lived, and was swept, with the tx.
  const cursor: ProtoCursor = { bytes, position: 0 };
  return readCommonShape(() => {
    const raw = readTxRaw(cursor);
    // `bytes` may itself be a view (of a gossip batch, a block): offsets are the buffer's.
    cursor.position = raw.bodyBytes.byteOffset - bytes.byteOffset;
    const body = readTxBody(cursor, cursor.position + raw.bodyBytes.length);
    cursor.position = raw.authInfoBytes.byteOffset - bytes.byteOffset;
    const authInfo = readAuthInfo(cursor, cursor.position + raw.authInfoBytes.length);
    return { raw, body, authInfo };
  });
}

function readTxRaw(cursor: ProtoCursor): TxRaw {
  const end = cursor.bytes.length;
  const raw: TxRaw = { bodyBytes: new Uint8Array(), authInfoBytes: new Uint8Array(), signatures: [] };
  while (cursor.position < end) {
    const tag = readSmallVarint(cursor, end);
    if (tag === 10) raw.bodyBytes = readBytes(cursor, end);
    else if (tag === 18) raw.authInfoBytes = readBytes(cursor, end);
    // The first as a one-element list: pushed into an empty one it would get room for 17, and the
    // list lives with the pending tx.
    else if (tag === 26) {
      if (raw.signatures.length === 0) raw.signatures = [readBytes(cursor, end)];
      else raw.signatures.push(readBytes(cursor, end));
    } else throw UNUSUAL;
  }
  // Offsets into the array locate the body and auth info below; an absent one is an empty view.
  if (raw.bodyBytes.buffer !== cursor.bytes.buffer || raw.authInfoBytes.buffer !== cursor.bytes.buffer)
    throw UNUSUAL;
  return raw;
}

function readTxBody(cursor: ProtoCursor, end: number): TxBody {
  const body: Built<TxBody> = {
    messages: [],
    memo: "",
    timeoutHeight: 0n,
    unordered: false,
    timeoutTimestamp: undefined,
    extensionOptions: [],
    nonCriticalExtensionOptions: [],
  };
  while (cursor.position < end) {
    const tag = readSmallVarint(cursor, end);
    if (tag === 10) body.messages.push(readAny(cursor, end));
    else if (tag === 18) body.memo = readAsciiString(cursor, end);
    else if (tag === 24) body.timeoutHeight = readUint64(cursor, end);
    else if (tag === 32) body.unordered = readUint64(cursor, end) !== 0n;
    else throw UNUSUAL;
  }
  return body as TxBody;
}

function readAuthInfo(cursor: ProtoCursor, end: number): AuthInfo {
  const authInfo: Built<AuthInfo> = { signerInfos: [], fee: undefined, tip: undefined };
  while (cursor.position < end) {
    const tag = readSmallVarint(cursor, end);
    if (tag === 10) authInfo.signerInfos.push(readSignerInfo(cursor, end));
    else if (tag === 18) {
      const feeEnd = readFieldEnd(cursor, end);
      // Replaced, not merged, as cosmjs-types does for a repeated embedded field.
      const fee: Fee = { amount: [], gasLimit: 0n, payer: "", granter: "" };
      authInfo.fee = fee;
      while (cursor.position < feeEnd) {
        const feeTag = readSmallVarint(cursor, feeEnd);
        if (feeTag === 10) fee.amount.push(readCoin(cursor, feeEnd));
        else if (feeTag === 16) fee.gasLimit = readUint64(cursor, feeEnd);
        else if (feeTag === 26) fee.payer = readAsciiString(cursor, feeEnd);
        else if (feeTag === 34) fee.granter = readAsciiString(cursor, feeEnd);
        else throw UNUSUAL;
      }
    } else throw UNUSUAL;
  }
  return authInfo as AuthInfo;
}

function readSignerInfo(cursor: ProtoCursor, end: number): SignerInfo {
  const infoEnd = readFieldEnd(cursor, end);
  const info: Built<SignerInfo> = { publicKey: undefined, modeInfo: undefined, sequence: 0n };
  while (cursor.position < infoEnd) {
    const tag = readSmallVarint(cursor, infoEnd);
    if (tag === 10) info.publicKey = readAny(cursor, infoEnd);
    else if (tag === 18) info.modeInfo = readModeInfo(cursor, infoEnd);
    else if (tag === 24) info.sequence = readUint64(cursor, infoEnd);
    else throw UNUSUAL;
  }
  return info as SignerInfo;
}

/** A single signer's mode only: multisig mode infos are unusual here. */
function readModeInfo(cursor: ProtoCursor, end: number): ModeInfo {
  const modeEnd = readFieldEnd(cursor, end);
  const modeInfo: Built<ModeInfo> = { single: undefined, multi: undefined };
  while (cursor.position < modeEnd) {
    if (readSmallVarint(cursor, modeEnd) !== 10) throw UNUSUAL;
    const singleEnd = readFieldEnd(cursor, modeEnd);
    const single = { mode: 0 };
    while (cursor.position < singleEnd) {
      if (readSmallVarint(cursor, singleEnd) !== 8) throw UNUSUAL;
      // < 2^28: what int32() gives for it.
      single.mode = readSmallVarint(cursor, singleEnd);
    }
    modeInfo.single = single;
  }
  return modeInfo as ModeInfo;
}
