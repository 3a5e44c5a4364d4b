// x/auth genesis in the Cosmos SDK's JSON (app_state.auth): params with uint64 strings and accounts
// as {"@type": ..., ...} objects, BaseAccount or ModuleAccount.

import { SECP256K1_PUBKEY_TYPE_URL } from "../../chain/app/ante.ts";
import type { AccountState, AuthParams } from "../../chain/app/ante-keepers.ts";
import { GenesisError } from "../../chain/app/errors.ts";
import type { Context } from "../../chain/app/module.ts";
import { isValidAddress } from "../../chain/crypto/bech32.ts";
import { fromBase64, toBase64 } from "../../chain/crypto/hash.ts";
import { BASE_ACCOUNT_TYPE_URL, MODULE_ACCOUNT_TYPE_URL } from "./codec.ts";
import { type AuthKeeper, DEFAULT_AUTH_PARAMS } from "./keeper.ts";
import { moduleAddress } from "./keys.ts";

export interface AuthGenesis {
  params: AuthParams;
  accounts: AccountState[];
}

type Json = Record<string, unknown>;

export function defaultAuthGenesis(): Json {
  return { params: paramsToJson(DEFAULT_AUTH_PARAMS), accounts: [] };
}

function uint64(value: unknown, field: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^[0-9]{1,20}$/.test(value) && BigInt(value) < 2n ** 64n)
    return BigInt(value);
  throw new GenesisError(`auth genesis: ${field} must be a uint64 string, got ${JSON.stringify(value)}`);
}

function object(value: unknown, field: string): Json {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new GenesisError(`auth genesis: ${field} must be an object`);
  return value as Json;
}

function parseParams(value: unknown): AuthParams {
  if (value === undefined) return DEFAULT_AUTH_PARAMS;
  const json = object(value, "params");
  const field = (name: string, fallback: bigint): bigint =>
    json[name] === undefined ? fallback : uint64(json[name], `params.${name}`);
  return {
    maxMemoCharacters: field("max_memo_characters", DEFAULT_AUTH_PARAMS.maxMemoCharacters),
    txSigLimit: field("tx_sig_limit", DEFAULT_AUTH_PARAMS.txSigLimit),
    txSizeCostPerByte: field("tx_size_cost_per_byte", DEFAULT_AUTH_PARAMS.txSizeCostPerByte),
    sigVerifyCostEd25519: field("sig_verify_cost_ed25519", DEFAULT_AUTH_PARAMS.sigVerifyCostEd25519),
    sigVerifyCostSecp256k1: field("sig_verify_cost_secp256k1", DEFAULT_AUTH_PARAMS.sigVerifyCostSecp256k1),
  };
}

function paramsToJson(params: AuthParams): Json {
  return {
    max_memo_characters: params.maxMemoCharacters.toString(),
    tx_sig_limit: params.txSigLimit.toString(),
    tx_size_cost_per_byte: params.txSizeCostPerByte.toString(),
    sig_verify_cost_ed25519: params.sigVerifyCostEd25519.toString(),
    sig_verify_cost_secp256k1: params.sigVerifyCostSecp256k1.toString(),
  };
}

function parseBaseAccount(json: Json, field: string): AccountState {
  const address = json.address;
  if (typeof address !== "string" || !isValidAddress(address))
    throw new GenesisError(
      `auth genesis: ${field}.address ${JSON.stringify(address)} is not a valid address`,
    );
  let pubKey: Uint8Array | undefined;
  if (json.pub_key !== null && json.pub_key !== undefined) {
    const key = object(json.pub_key, `${field}.pub_key`);
    if (key["@type"] !== SECP256K1_PUBKEY_TYPE_URL || typeof key.key !== "string")
      throw new GenesisError(`auth genesis: ${field}.pub_key must be a ${SECP256K1_PUBKEY_TYPE_URL}`);
    pubKey = fromBase64(key.key);
    if (pubKey.length !== 33) throw new GenesisError(`auth genesis: ${field}.pub_key must be 33 bytes`);
  }
  return {
    address,
    pubKey,
    accountNumber: uint64(json.account_number ?? "0", `${field}.account_number`),
    sequence: uint64(json.sequence ?? "0", `${field}.sequence`),
  };
}

function parseAccount(value: unknown, index: number): AccountState {
  const field = `accounts[${index}]`;
  const json = object(value, field);
  if (json["@type"] === BASE_ACCOUNT_TYPE_URL) return parseBaseAccount(json, field);
  if (json["@type"] === MODULE_ACCOUNT_TYPE_URL) {
    const base = parseBaseAccount(
      object(json.base_account, `${field}.base_account`),
      `${field}.base_account`,
    );
    const name = json.name;
    const permissions = json.permissions ?? [];
    if (typeof name !== "string" || name === "")
      throw new GenesisError(`auth genesis: ${field}.name is required`);
    if (!Array.isArray(permissions) || !permissions.every((p) => typeof p === "string"))
      throw new GenesisError(`auth genesis: ${field}.permissions must be strings`);
    if (base.address !== moduleAddress(name))
      throw new GenesisError(
        `auth genesis: ${field} address ${base.address} is not the address of module ${name}`,
      );
    return { ...base, module: { name, permissions } };
  }
  throw new GenesisError(`auth genesis: ${field} has unsupported @type ${JSON.stringify(json["@type"])}`);
}

/** Parses and checks app_state.auth: valid accounts, unique addresses and account numbers. */
export function parseAuthGenesis(value: unknown): AuthGenesis {
  const json = object(value, "app_state.auth");
  const accountsJson = json.accounts ?? [];
  if (!Array.isArray(accountsJson)) throw new GenesisError("auth genesis: accounts must be an array");
  const accounts = accountsJson.map(parseAccount);
  const addresses = new Set<string>();
  const numbers = new Set<bigint>();
  for (const account of accounts) {
    if (addresses.has(account.address))
      throw new GenesisError(`auth genesis: duplicate account ${account.address}`);
    if (numbers.has(account.accountNumber))
      throw new GenesisError(`auth genesis: duplicate account number ${account.accountNumber}`);
    addresses.add(account.address);
    numbers.add(account.accountNumber);
  }
  return { params: parseParams(json.params), accounts };
}

/** Imports accounts with their numbers; the counter continues after the highest; then module accounts. */
export function initAuthGenesis(ctx: Context, keeper: AuthKeeper, genesis: AuthGenesis): void {
  keeper.setParams(ctx, genesis.params);
  let next = 0n;
  for (const account of genesis.accounts) {
    keeper.setAccount(ctx, account);
    if (account.accountNumber >= next) next = account.accountNumber + 1n;
  }
  keeper.setNextAccountNumber(ctx, next);
  for (const name of keeper.moduleAccounts.keys()) keeper.getOrCreateModuleAccount(ctx, name);
}

function accountToJson(account: AccountState): Json {
  const base = {
    "@type": BASE_ACCOUNT_TYPE_URL,
    address: account.address,
    pub_key:
      account.pubKey === undefined
        ? null
        : { "@type": SECP256K1_PUBKEY_TYPE_URL, key: toBase64(account.pubKey) },
    account_number: account.accountNumber.toString(),
    sequence: account.sequence.toString(),
  };
  if (account.module === undefined) return base;
  const { "@type": _type, ...baseAccount } = base;
  return {
    "@type": MODULE_ACCOUNT_TYPE_URL,
    base_account: baseAccount,
    name: account.module.name,
    permissions: [...account.module.permissions],
  };
}

/** Accounts in account-number order, as the SDK's genesis sanitizer sorts them. */
export async function exportAuthGenesis(ctx: Context, keeper: AuthKeeper): Promise<Json> {
  const accounts: AccountState[] = [];
  for await (const account of keeper.iterateAccounts(ctx)) accounts.push(account);
  accounts.sort((a, b) =>
    a.accountNumber < b.accountNumber ? -1 : a.accountNumber > b.accountNumber ? 1 : 0,
  );
  return { params: paramsToJson(keeper.params(ctx)), accounts: accounts.map(accountToJson) };
}
