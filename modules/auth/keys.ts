// State layout of x/auth in store "acc" (README.md documents it byte by byte).
import { decodeAddress, encodeAddress } from "../../chain/crypto/bech32.ts";
import { concatBytes, sha256 } from "../../chain/crypto/hash.ts";

export const MODULE_NAME = "auth";
/** The Cosmos SDK's store key for x/auth. */
export const STORE_NAME = "acc";

/** 0x00 → cosmos.auth.v1beta1.Params (protobuf). */
export const PARAMS_KEY = Uint8Array.of(0x00);
/** 0x01 | address bytes → google.protobuf.Any of BaseAccount or ModuleAccount. */
export const ACCOUNT_PREFIX = 0x01;
/** 0x02 → next account number, uint64 big-endian (8 bytes). */
export const GLOBAL_ACCOUNT_NUMBER_KEY = Uint8Array.of(0x02);

/** Account keys of recent addresses (a mempool's and a block's signers and recipients, with
 * headroom; oldest dropped first): each tx reads and writes its signer's account several times. */
const MAX_CACHED_ACCOUNT_KEYS = 20_000;
const accountKeys = new Map<string, Uint8Array>();

export function accountKey(address: string): Uint8Array {
  // A copy: callers own what they get.
  return sharedAccountKey(address).slice();
}

/** accountKey without the copy, for the keeper's reads and writes (the store keeps it as it is, setOwned):
 * the caller must not write to it. */
export function sharedAccountKey(address: string): Uint8Array {
  const cached = accountKeys.get(address);
  if (cached !== undefined) return cached;
  const key = concatBytes(Uint8Array.of(ACCOUNT_PREFIX), decodeAddress(address));
  if (accountKeys.size >= MAX_CACHED_ACCOUNT_KEYS) accountKeys.delete(accountKeys.keys().next().value!);
  accountKeys.set(address, key);
  return key;
}

export function addressFromAccountKey(key: Uint8Array): string {
  return encodeAddress(key.subarray(1));
}

/** The SDK's address.Module(name): sha256(name)[:20]. Nobody holds its private key. */
/** Module names are constants of the code, so this map stays as small as the module list. */
const moduleAddresses = new Map<string, string>();

export function moduleAddress(name: string): string {
  let address = moduleAddresses.get(name);
  if (address === undefined) {
    address = encodeAddress(sha256(new TextEncoder().encode(name)).subarray(0, 20));
    moduleAddresses.set(name, address);
  }
  return address;
}

export function encodeUint64(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value);
  return bytes;
}

export function decodeUint64(bytes: Uint8Array): bigint {
  if (bytes.length !== 8) throw new Error(`expected 8-byte uint64, got ${bytes.length} bytes`);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
}
