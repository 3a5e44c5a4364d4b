// Accounts as stored: google.protobuf.Any of BaseAccount or ModuleAccount (as x/auth stores them),
// converted to the AccountState the ante handler and other keepers use.
import { BinaryReader } from "cosmjs-types/binary";
import "../../chain/app/binary-writer.ts";
import { BaseAccount, ModuleAccount, Params } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { Any } from "cosmjs-types/google/protobuf/any";
import { SECP256K1_PUBKEY_TYPE_URL } from "../../chain/app/ante.ts";
import type { AccountState, AuthParams } from "../../chain/app/ante-keepers.ts";

export const BASE_ACCOUNT_TYPE_URL = "/cosmos.auth.v1beta1.BaseAccount";
export const MODULE_ACCOUNT_TYPE_URL = "/cosmos.auth.v1beta1.ModuleAccount";

function baseAccount(account: AccountState): BaseAccount {
  const base: BaseAccount = {
    address: account.address,
    accountNumber: account.accountNumber,
    sequence: account.sequence,
  };
  // Omitted until set: cosmjs rejects an Any with a type URL and an empty value.
  if (account.pubKey !== undefined)
    base.pubKey = {
      typeUrl: SECP256K1_PUBKEY_TYPE_URL,
      value: PubKey.encode({ key: account.pubKey }).finish(),
    };
  return base;
}

/** The Any that is both the stored value and the Account query's `account` field. */
export function accountToAny(account: AccountState): Any {
  if (account.module !== undefined) {
    return {
      typeUrl: MODULE_ACCOUNT_TYPE_URL,
      value: ModuleAccount.encode({
        baseAccount: baseAccount(account),
        name: account.module.name,
        permissions: [...account.module.permissions],
      }).finish(),
    };
  }
  return { typeUrl: BASE_ACCOUNT_TYPE_URL, value: BaseAccount.encode(baseAccount(account)).finish() };
}

export function encodeAccount(account: AccountState): Uint8Array {
  if (account.module === undefined) return encodeBaseAccountAny(account);
  return Any.encode(accountToAny(account)).finish();
}

// Base accounts are read and written for every tx signer (checkTx and finalizeBlock), so they are
// encoded and decoded by hand: canonical proto3 (fields in order, defaults omitted), byte-identical to
// Any.encode(accountToAny(account)) (test/modules/auth/codec.test.ts).
const utf8 = new TextEncoder();
const BASE_ACCOUNT_TYPE_URL_BYTES = utf8.encode(BASE_ACCOUNT_TYPE_URL);
const PUBKEY_TYPE_URL_BYTES = utf8.encode(SECP256K1_PUBKEY_TYPE_URL);
/** Tags: field number << 3 | wire type (2 = length-delimited, 0 = varint). */
const TAG_1_BYTES = (1 << 3) | 2;
const TAG_2_BYTES = (2 << 3) | 2;
const TAG_3_VARINT = (3 << 3) | 0;
const TAG_4_VARINT = (4 << 3) | 0;
/** A constant: `2n ** 64n` in the range check was evaluated (and allocated) on every encode. */
const MAX_UINT64 = 2n ** 64n - 1n;

function varintSize(value: number | bigint): number {
  if (typeof value === "number" || value <= 0xffff_ffffn) {
    // Account numbers and sequences stay far below 2^32: plain number arithmetic.
    let rest = Number(value);
    let size = 1;
    while (rest > 0x7f) {
      rest = Math.floor(rest / 128);
      size++;
    }
    return size;
  }
  let size = 1;
  for (let rest = value; rest >= 0x80n; rest >>= 7n) size++;
  return size;
}

function writeVarint(out: Uint8Array, offset: number, value: number | bigint): number {
  if (typeof value === "number" || value <= 0xffff_ffffn) {
    let rest = Number(value);
    while (rest > 0x7f) {
      out[offset++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    out[offset++] = rest;
    return offset;
  }
  let rest = value;
  while (rest >= 0x80n) {
    out[offset++] = Number(rest & 0x7fn) | 0x80;
    rest >>= 7n;
  }
  out[offset++] = Number(rest);
  return offset;
}

/** Size of a length-delimited field holding `length` bytes, or 0 when proto3 omits it (empty). */
function fieldSize(length: number): number {
  return length === 0 ? 0 : 1 + varintSize(length) + length;
}

function writeField(out: Uint8Array, offset: number, tag: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return offset;
  out[offset++] = tag;
  offset = writeVarint(out, offset, bytes.length);
  out.set(bytes, offset);
  return offset + bytes.length;
}

/** The length of an all-ASCII string (its UTF-8 bytes are its char codes), undefined otherwise:
 * addresses are bech32, so the encoder writes them in place instead of allocating their UTF-8. */
function asciiLength(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return undefined;
  return text.length;
}

function encodeBaseAccountAny(account: AccountState): Uint8Array {
  if (
    account.accountNumber < 0n ||
    account.accountNumber > MAX_UINT64 ||
    account.sequence < 0n ||
    account.sequence > MAX_UINT64
  )
    throw new RangeError(`account ${account.address}: account number and sequence must be uint64`);
  const address = account.address;
  const addressBytes = asciiLength(address) ?? utf8.encode(address);
  const key = account.pubKey;
  // pub_key: Any{type_url, value: PubKey{key}}, present once set (even around an empty key).
  const pubKeyValueSize = key === undefined ? 0 : fieldSize(key.length);
  const pubKeyAnySize =
    key === undefined ? 0 : fieldSize(PUBKEY_TYPE_URL_BYTES.length) + fieldSize(pubKeyValueSize);
  const baseSize =
    fieldSize(typeof addressBytes === "number" ? addressBytes : addressBytes.length) +
    (key === undefined ? 0 : 1 + varintSize(pubKeyAnySize) + pubKeyAnySize) +
    (account.accountNumber === 0n ? 0 : 1 + varintSize(account.accountNumber)) +
    (account.sequence === 0n ? 0 : 1 + varintSize(account.sequence));
  const out = new Uint8Array(fieldSize(BASE_ACCOUNT_TYPE_URL_BYTES.length) + fieldSize(baseSize));
  let offset = writeField(out, 0, TAG_1_BYTES, BASE_ACCOUNT_TYPE_URL_BYTES);
  if (baseSize === 0) return out;
  out[offset++] = TAG_2_BYTES;
  offset = writeVarint(out, offset, baseSize);
  if (typeof addressBytes !== "number") offset = writeField(out, offset, TAG_1_BYTES, addressBytes);
  else if (addressBytes > 0) {
    out[offset++] = TAG_1_BYTES;
    offset = writeVarint(out, offset, addressBytes);
    for (let i = 0; i < addressBytes; i++) out[offset++] = address.charCodeAt(i);
  }
  if (key !== undefined) {
    out[offset++] = TAG_2_BYTES;
    offset = writeVarint(out, offset, pubKeyAnySize);
    offset = writeField(out, offset, TAG_1_BYTES, PUBKEY_TYPE_URL_BYTES);
    if (pubKeyValueSize > 0) {
      out[offset++] = TAG_2_BYTES;
      offset = writeVarint(out, offset, pubKeyValueSize);
      offset = writeField(out, offset, TAG_1_BYTES, key);
    }
  }
  if (account.accountNumber !== 0n) {
    out[offset++] = TAG_3_VARINT;
    offset = writeVarint(out, offset, account.accountNumber);
  }
  if (account.sequence !== 0n) {
    out[offset++] = TAG_4_VARINT;
    offset = writeVarint(out, offset, account.sequence);
  }
  if (offset !== out.length)
    throw new Error(`assertion: base account encoded to ${offset} of ${out.length} bytes`);
  return out;
}

/** BaseAccount fields straight from its bytes (what BaseAccount.decode then fromBase would give). */
function decodeBaseAccount(bytes: Uint8Array): AccountState {
  const reader = new BinaryReader(bytes);
  const account: AccountState = { address: "", accountNumber: 0n, sequence: 0n, pubKey: undefined };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case 1:
        account.address = reader.string();
        break;
      case 2:
        account.pubKey = decodePubKeyAny(reader.bytes());
        break;
      case 3:
        account.accountNumber = reader.uint64();
        break;
      case 4:
        account.sequence = reader.uint64();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  return account;
}

/** The key inside Any{value: PubKey{key}}; undefined when the Any carries no value (as fromBase). */
function decodePubKeyAny(bytes: Uint8Array): Uint8Array | undefined {
  const reader = new BinaryReader(bytes);
  let value: Uint8Array | undefined;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 2) value = reader.bytes();
    else reader.skipType(tag & 7);
  }
  if (value === undefined || value.length === 0) return undefined;
  // PubKey{key = 1}: read by hand too, keeping the last occurrence as the generated decoder does.
  const pubKey = new BinaryReader(value);
  let key: Uint8Array = new Uint8Array(0);
  while (pubKey.pos < pubKey.len) {
    const tag = pubKey.uint32();
    if (tag >>> 3 === 1) key = pubKey.bytes();
    else pubKey.skipType(tag & 7);
  }
  return key;
}

function fromBase(base: BaseAccount | undefined): AccountState {
  if (base === undefined) throw new Error("stored module account without base account");
  let pubKey: Uint8Array | undefined;
  if (base.pubKey !== undefined && base.pubKey.value.length > 0)
    pubKey = PubKey.decode(base.pubKey.value).key;
  return { address: base.address, accountNumber: base.accountNumber, sequence: base.sequence, pubKey };
}

export function decodeAccount(bytes: Uint8Array): AccountState {
  const any = Any.decode(bytes);
  if (any.typeUrl === BASE_ACCOUNT_TYPE_URL) return decodeBaseAccount(any.value);
  if (any.typeUrl === MODULE_ACCOUNT_TYPE_URL) {
    const module = ModuleAccount.decode(any.value);
    return {
      ...fromBase(module.baseAccount),
      module: { name: module.name, permissions: module.permissions },
    };
  }
  throw new Error(`stored account of unknown type ${any.typeUrl}`);
}

export function encodeParams(params: AuthParams): Uint8Array {
  return Params.encode(params).finish();
}

export function decodeParams(bytes: Uint8Array): AuthParams {
  return Params.decode(bytes);
}
