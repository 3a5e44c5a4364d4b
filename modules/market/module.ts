// The market module: DataBroker-style staked listings of device data (store "market"), purchases of
// access split between seller, gateway operator and platform pool, access grants the MQTT bridge
// honours, challenges, disputes resolved by validator operators (> 2/3 of power), delisting with a
// cooldown. Finds device, bank and poa by name on connect; hands AccessReader to others.
// README.md is its specification.
import type { Module } from "../../chain/app/module.ts";
import type { BankSendKeeper } from "../bank/keeper.ts";
import type { DeviceReader } from "../device/keeper.ts";
import type { ValidatorOperators } from "../poa/keeper.ts";
import {
  defaultMarketGenesis,
  exportMarketGenesis,
  initMarketGenesis,
  parseMarketGenesis,
} from "./genesis.ts";
import { type BalanceReader, marketInvariants } from "./invariants.ts";
import { MarketKeeper } from "./keeper.ts";
import { MODULE_NAME, STORE_NAME } from "./keys.ts";
import { marketMsgs } from "./msgs.ts";
import { marketQueries } from "./queries.ts";

function has<T extends object>(value: object | undefined, method: string): value is T {
  return value !== undefined && typeof (value as Record<string, unknown>)[method] === "function";
}

export function marketModule(): Module<MarketKeeper> {
  const keeper = new MarketKeeper();
  let balances: BalanceReader | undefined;
  return {
    name: MODULE_NAME,
    storeNames: [STORE_NAME],
    msgs: marketMsgs(keeper),
    queries: marketQueries,
    keeper,
    connect(keeperOf) {
      const devices = keeperOf("device");
      const bank = keeperOf("bank");
      const poa = keeperOf("poa");
      if (!has<DeviceReader>(devices, "getDevice")) throw new Error("market needs the device module");
      if (!has<BankSendKeeper>(bank, "sendCoins")) throw new Error("market needs the bank module");
      if (!has<ValidatorOperators>(poa, "isOperator"))
        throw new Error("market needs the poa module (gateways and arbiters are validator operators)");
      if (has<BalanceReader>(bank, "getAllBalances")) balances = bank;
      keeper.connect({ devices, bank, validators: poa });
    },
    defaultGenesis: defaultMarketGenesis,
    validateGenesis: (genesis) => void parseMarketGenesis(genesis),
    initGenesis: (ctx, genesis) => initMarketGenesis(ctx, keeper, parseMarketGenesis(genesis)),
    exportGenesis: (ctx) => exportMarketGenesis(ctx, keeper),
    invariants: marketInvariants(keeper, () => balances),
  };
}

export type { AccessGrant, Challenge, Dispute, DisputeVote, Listing, MarketParams } from "./codec.ts";
export { type AccessReader, MarketKeeper } from "./keeper.ts";
export { splitForfeit, splitPurchase } from "./split.ts";
