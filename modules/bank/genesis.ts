// x/bank genesis in the SDK's JSON (app_state.bank) plus `native_denom`, our fee/native denom.
// Supply is computed from balances when empty and must equal their sum when given.
import { Metadata } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import { type Coin, isValidDenom, parseCoins, toWireCoins } from "../../chain/app/coins.ts";
import { AbciError, GenesisError } from "../../chain/app/errors.ts";
import type { Context } from "../../chain/app/module.ts";
import { isValidAddress } from "../../chain/crypto/bech32.ts";
import { camelToSnake, snakeToCamel } from "../../chain/util/case.ts";
import { renameKeys } from "../genesis-json.ts";
import type { BankKeeper } from "./keeper.ts";
import { DEFAULT_NATIVE_DENOM, DENOM_METADATA_PREFIX, denomKey, STORE_NAME } from "./keys.ts";

type Json = Record<string, unknown>;

export interface BankGenesis {
  defaultSendEnabled: boolean;
  balances: { address: string; coins: Coin[] }[];
  supply: Coin[];
  denomMetadata: Metadata[];
  sendEnabled: { denom: string; enabled: boolean }[];
  nativeDenom: string;
}

export function defaultBankGenesis(): Json {
  return {
    params: { send_enabled: [], default_send_enabled: true },
    balances: [],
    supply: [],
    denom_metadata: [],
    send_enabled: [],
    native_denom: DEFAULT_NATIVE_DENOM,
  };
}

function fail(message: string): never {
  throw new GenesisError(`bank genesis: ${message}`);
}

function array(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(`${field} must be an array`);
  return value;
}

function object(value: unknown, field: string): Json {
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(`${field} must be an object`);
  return value as Json;
}

function coins(value: unknown, field: string): Coin[] {
  const list = array(value, field).map((item, index) => {
    const coin = object(item, `${field}[${index}]`);
    if (typeof coin.denom !== "string" || typeof coin.amount !== "string")
      fail(`${field}[${index}] needs string denom and amount`);
    return { denom: coin.denom, amount: coin.amount };
  });
  try {
    return parseCoins(list);
  } catch (error) {
    if (error instanceof AbciError) fail(`${field}: ${error.log}`);
    throw error;
  }
}

export function parseBankGenesis(value: unknown): BankGenesis {
  const json = object(value, "app_state.bank");
  const params = json.params === undefined ? {} : object(json.params, "params");
  const defaultSendEnabled = params.default_send_enabled ?? true;
  if (typeof defaultSendEnabled !== "boolean") fail("params.default_send_enabled must be a boolean");
  const seen = new Set<string>();
  const balances = array(json.balances, "balances").map((item, index) => {
    const balance = object(item, `balances[${index}]`);
    const address = balance.address;
    if (typeof address !== "string" || !isValidAddress(address))
      fail(`balances[${index}].address ${JSON.stringify(address)} is not a valid address`);
    if (seen.has(address)) fail(`duplicate balance for address ${address}`);
    seen.add(address);
    return { address, coins: coins(balance.coins, `balances[${index}].coins`) };
  });
  const supply = coins(json.supply, "supply");
  const sendEnabled = array(json.send_enabled, "send_enabled").map((item, index) => {
    const entry = object(item, `send_enabled[${index}]`);
    if (typeof entry.denom !== "string" || !isValidDenom(entry.denom) || typeof entry.enabled !== "boolean")
      fail(`send_enabled[${index}] needs a valid denom and a boolean enabled`);
    return { denom: entry.denom, enabled: entry.enabled };
  });
  const denomMetadata = array(json.denom_metadata, "denom_metadata").map((item, index) => {
    const metadata = Metadata.fromJSON(renameKeys(object(item, `denom_metadata[${index}]`), snakeToCamel));
    if (!isValidDenom(metadata.base))
      fail(`denom_metadata[${index}].base ${JSON.stringify(metadata.base)} is invalid`);
    return metadata;
  });
  const nativeDenom = json.native_denom ?? DEFAULT_NATIVE_DENOM;
  if (typeof nativeDenom !== "string" || !isValidDenom(nativeDenom))
    fail(`native_denom ${JSON.stringify(nativeDenom)} is invalid`);

  const totals = new Map<string, bigint>();
  for (const balance of balances)
    for (const coin of balance.coins) totals.set(coin.denom, (totals.get(coin.denom) ?? 0n) + coin.amount);
  if (supply.length > 0) {
    const given = new Map(supply.map((coin) => [coin.denom, coin.amount]));
    const denoms = new Set([...given.keys(), ...totals.keys()]);
    for (const denom of denoms) {
      if ((given.get(denom) ?? 0n) !== (totals.get(denom) ?? 0n))
        fail(
          `supply of ${denom} is ${given.get(denom) ?? 0n} but balances sum to ${totals.get(denom) ?? 0n}`,
        );
    }
  }
  const computedSupply = [...totals]
    .map(([denom, amount]) => ({ denom, amount }))
    .sort((a, b) => (a.denom < b.denom ? -1 : a.denom > b.denom ? 1 : 0));
  return { defaultSendEnabled, balances, supply: computedSupply, denomMetadata, sendEnabled, nativeDenom };
}

/** Writes balances and supply; creates an account for every funded address that has none (after auth genesis). */
export function initBankGenesis(
  ctx: Context,
  keeper: BankKeeper,
  genesis: BankGenesis,
  ensureAccount: (address: string) => void,
): void {
  keeper.setParams(ctx, { defaultSendEnabled: genesis.defaultSendEnabled });
  keeper.setNativeDenom(ctx, genesis.nativeDenom);
  for (const entry of genesis.sendEnabled) keeper.setSendEnabled(ctx, entry.denom, entry.enabled);
  for (const metadata of genesis.denomMetadata)
    ctx
      .store(STORE_NAME)
      .set(denomKey(DENOM_METADATA_PREFIX, metadata.base), Metadata.encode(metadata).finish());
  for (const balance of genesis.balances) {
    for (const coin of balance.coins) keeper.setBalance(ctx, balance.address, coin.denom, coin.amount);
    ensureAccount(balance.address);
  }
  for (const coin of genesis.supply) keeper.setSupply(ctx, coin.denom, coin.amount);
}

export async function exportBankGenesis(ctx: Context, keeper: BankKeeper): Promise<Json> {
  const byAddress = new Map<string, Coin[]>();
  for await (const { address, coin } of keeper.iterateAllBalances(ctx)) {
    const list = byAddress.get(address) ?? [];
    list.push(coin);
    byAddress.set(address, list);
  }
  const balances = [...byAddress]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([address, list]) => ({ address, coins: toWireCoins(list) }));
  const metadata: unknown[] = [];
  const range = {
    start: Uint8Array.of(DENOM_METADATA_PREFIX),
    end: Uint8Array.of(DENOM_METADATA_PREFIX + 1),
  };
  for await (const [, value] of ctx.store(STORE_NAME).iterate(range))
    metadata.push(renameKeys(Metadata.toJSON(Metadata.decode(value)), camelToSnake));
  return {
    params: { send_enabled: [], default_send_enabled: keeper.params(ctx).defaultSendEnabled },
    balances,
    supply: toWireCoins(await keeper.getTotalSupply(ctx)),
    denom_metadata: metadata,
    send_enabled: await keeper.getSendEnabledEntries(ctx),
    native_denom: keeper.nativeDenom(ctx),
  };
}
