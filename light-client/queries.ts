// Verified queries: abci_query with prove=true at height h, the ICS-23 chain [store proof,
// multistore proof] checked against the app hash of header h+1 (the state after h), which is itself
// light-verified first. Nothing unverified is ever returned.
import { BaseAccount, ModuleAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { Any } from "cosmjs-types/google/protobuf/any";
import type { Timestamp } from "../chain/types/block.ts";
import { bytesEqual } from "../chain/types/bytes.ts";
import type { LightClient } from "./client.ts";
import { LightClientError } from "./errors.ts";
import { Ics23Error, verifyChainedMembership, verifyChainedNonMembership } from "./ics23/index.ts";
import { AUTH_STORE, accountStoreKey, BANK_STORE, balanceStoreKey, NATIVE_DENOM_KEY } from "./keys.ts";
import type { AbciQueryResult, LightTransport } from "./transport.ts";
import { heightOf, type LightBlock } from "./types.ts";

export interface VerifiedValue {
  /** undefined when the key is proven absent. */
  value: Uint8Array | undefined;
  /** The state height the value belongs to. */
  height: bigint;
  /** The verified header (height + 1) whose app hash the proof was checked against. */
  header: LightBlock;
}

export interface QueryOptions {
  /** State height; by default the latest verified header's height - 1. */
  height?: bigint;
}

/** Checks a proven `/store/<name>/key` answer for state height `header.height - 1`. */
export function verifyStoreResponse(
  header: LightBlock,
  response: AbciQueryResult,
  storeName: string,
  key: Uint8Array,
): Uint8Array | undefined {
  const height = heightOf(header) - 1n;
  if (response.code !== 0)
    throw new LightClientError("query_failed", `query failed with code ${response.code}: ${response.log}`, {
      abciCode: response.code,
      codespace: response.codespace,
    });
  if (response.height !== height)
    throw new LightClientError(
      "proof_height_mismatch",
      `asked for state at height ${height}, the node answered for height ${response.height}`,
    );
  if (response.key.length > 0 && !bytesEqual(response.key, key))
    throw new LightClientError("proof_height_mismatch", "the node answered for another key");
  const appHash = header.signedHeader.header.appHash;
  try {
    if (response.value.length === 0) {
      verifyChainedNonMembership(appHash, response.proofOps, storeName, key);
      return undefined;
    }
    verifyChainedMembership(appHash, response.proofOps, storeName, key, response.value);
    return response.value;
  } catch (error) {
    if (!(error instanceof Ics23Error)) throw error;
    throw new LightClientError(
      "invalid_proof",
      `proof for ${storeName} key at height ${height} does not verify against the app hash of header ${heightOf(header)}: ${error.message}`,
      { ics23Code: error.code, height },
      { cause: error },
    );
  }
}

/** Asks `node` for a proven store value at state height `height` (unverified). */
export function queryProven(
  node: LightTransport,
  storeName: string,
  key: Uint8Array,
  height: bigint,
): Promise<AbciQueryResult> {
  return node.abciQuery({ path: `/store/${storeName}/key`, data: key, height, prove: true });
}

/** The light-verified header that commits to the state of `options.height` (h+1), or the latest. */
export async function verifiedStateHeader(
  client: LightClient,
  now: Timestamp,
  options: QueryOptions = {},
): Promise<LightBlock> {
  if (options.height !== undefined) {
    if (options.height < 1n) throw new LightClientError("height_unavailable", "state height must be >= 1");
    return (await client.verifyToHeight(options.height + 1n, now)).block;
  }
  const latest = (await client.update(now)).block;
  if (heightOf(latest) < 2n)
    throw new LightClientError("height_unavailable", "no committed state is provable before height 2");
  return latest;
}

/** A raw store value, proven against a light-verified app hash. */
export async function verifiedStoreGet(
  client: LightClient,
  storeName: string,
  key: Uint8Array,
  now: Timestamp,
  options: QueryOptions = {},
): Promise<VerifiedValue> {
  const header = await verifiedStateHeader(client, now, options);
  const height = heightOf(header) - 1n;
  const response = await queryProven(client.primary, storeName, key, height);
  return { value: verifyStoreResponse(header, response, storeName, key), height, header };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Bank amounts are stored as decimal strings; anything else is a proof of corrupt state. */
export function decodeAmount(value: Uint8Array | undefined): bigint {
  if (value === undefined) return 0n;
  const text = utf8.decode(value);
  if (!/^[0-9]{1,78}$/.test(text))
    throw new LightClientError("malformed_response", "stored balance is not a decimal amount");
  return BigInt(text);
}

export async function verifiedBalance(
  client: LightClient,
  address: string,
  denom: string,
  now: Timestamp,
  options: QueryOptions = {},
): Promise<{ amount: bigint; height: bigint }> {
  const result = await verifiedStoreGet(client, BANK_STORE, balanceStoreKey(address, denom), now, options);
  return { amount: decodeAmount(result.value), height: result.height };
}

export async function verifiedNativeDenom(
  client: LightClient,
  now: Timestamp,
  options: QueryOptions = {},
): Promise<string | undefined> {
  const result = await verifiedStoreGet(client, BANK_STORE, NATIVE_DENOM_KEY, now, options);
  return result.value === undefined ? undefined : utf8.decode(result.value);
}

export interface VerifiedAccount {
  /** The stored Any (BaseAccount or ModuleAccount); undefined when proven absent. */
  any: Any | undefined;
  baseAccount: BaseAccount | undefined;
  height: bigint;
}

export function decodeAccount(value: Uint8Array): { any: Any; baseAccount: BaseAccount | undefined } {
  try {
    const any = Any.decode(value);
    if (any.typeUrl === "/cosmos.auth.v1beta1.BaseAccount")
      return { any, baseAccount: BaseAccount.decode(any.value) };
    if (any.typeUrl === "/cosmos.auth.v1beta1.ModuleAccount")
      return { any, baseAccount: ModuleAccount.decode(any.value).baseAccount };
    return { any, baseAccount: undefined };
  } catch (error) {
    throw new LightClientError("malformed_response", "stored account does not decode", {}, { cause: error });
  }
}

export async function verifiedAccount(
  client: LightClient,
  address: string,
  now: Timestamp,
  options: QueryOptions = {},
): Promise<VerifiedAccount> {
  const result = await verifiedStoreGet(client, AUTH_STORE, accountStoreKey(address), now, options);
  if (result.value === undefined) return { any: undefined, baseAccount: undefined, height: result.height };
  return { ...decodeAccount(result.value), height: result.height };
}
