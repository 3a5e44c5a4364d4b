// Bech32 account addresses (prefix `sensor`), through @scure/base.
import { bech32 } from "@scure/base";

export const ACCOUNT_PREFIX = "sensor";
/** BIP-173 caps a bech32 string at 90 characters; @scure/base needs an explicit finite limit. */
const BECH32_MAX_LENGTH = 90;

export class AddressError extends Error {
  readonly code = "invalid_address";
}

export function encodeAddress(bytes: Uint8Array, prefix = ACCOUNT_PREFIX): string {
  return bech32.encode(prefix, bech32.toWords(bytes), BECH32_MAX_LENGTH);
}

/** Recently decoded valid addresses: the senders and recipients of a mempool and a block, with headroom;
 * oldest dropped first. Invalid addresses are not cached (they throw every time). */
const MAX_DECODED_ADDRESSES = 20_000;
/** By address, for ACCOUNT_PREFIX (every account address): no key string to build per lookup. */
const decodedAccountAddresses = new Map<string, Uint8Array>();
/** By `prefix:address`, for any other prefix. */
const decodedOtherAddresses = new Map<string, Uint8Array>();

/** The cached decoding of a valid address (never handed out: callers get copies), or undefined. */
function cachedDecoding(address: string, prefix: string): Uint8Array | undefined {
  return prefix === ACCOUNT_PREFIX
    ? decodedAccountAddresses.get(address)
    : decodedOtherAddresses.get(`${prefix}:${address}`);
}

/** Decodes a bech32 address and checks its prefix and length (20 or 32 bytes, as the Cosmos SDK allows). */
export function decodeAddress(address: string, prefix = ACCOUNT_PREFIX): Uint8Array {
  const cached = cachedDecoding(address, prefix);
  // A copy: callers own what they get (bech32 decoding was ~10% of a MsgSend's main-thread time).
  if (cached !== undefined) return cached.slice();
  const bytes = decodeAddressUncached(address, prefix);
  const [decoded, key] =
    prefix === ACCOUNT_PREFIX
      ? [decodedAccountAddresses, address]
      : [decodedOtherAddresses, `${prefix}:${address}`];
  if (decoded.size >= MAX_DECODED_ADDRESSES) decoded.delete(decoded.keys().next().value!);
  decoded.set(key, bytes.slice());
  return bytes;
}

function decodeAddressUncached(address: string, prefix: string): Uint8Array {
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32.decode(address as `${string}1${string}`, BECH32_MAX_LENGTH);
  } catch (error) {
    throw new AddressError(`invalid address ${JSON.stringify(address)}: ${(error as Error).message}`);
  }
  if (decoded.prefix !== prefix) {
    throw new AddressError(`invalid address ${address}: expected prefix ${prefix}, got ${decoded.prefix}`);
  }
  const bytes = bech32.fromWords(decoded.words);
  if (bytes.length !== 20 && bytes.length !== 32) {
    throw new AddressError(`invalid address ${address}: expected 20 or 32 bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function isValidAddress(address: string, prefix = ACCOUNT_PREFIX): boolean {
  // Asked twice per MsgSend (validateBasic): a known address needs no copy of its bytes.
  if (cachedDecoding(address, prefix) !== undefined) return true;
  try {
    decodeAddress(address, prefix);
    return true;
  } catch {
    return false;
  }
}
