// The escrow module: per-device escrows (store "escrow") paid out by the consumer, its release
// authority, or the meter module at each finalized daily commitment (PER_READING), split between the
// device owner, the gateway operator and the platform pool. Finds device, bank and (optionally) poa
// by name on connect; hands MeterFinalizationHook to meter. README.md is its specification.
import type { Module } from "../../chain/app/module.ts";
import type { BankSendKeeper } from "../bank/keeper.ts";
import type { DeviceReader } from "../device/keeper.ts";
import type { ValidatorOperators } from "../poa/keeper.ts";
import {
  defaultEscrowGenesis,
  exportEscrowGenesis,
  initEscrowGenesis,
  parseEscrowGenesis,
} from "./genesis.ts";
import { type BalanceReader, escrowInvariants } from "./invariants.ts";
import { EscrowKeeper } from "./keeper.ts";
import { MODULE_NAME, STORE_NAME } from "./keys.ts";
import { escrowMsgs } from "./msgs.ts";
import { escrowQueries } from "./queries.ts";

function has<T extends object>(value: object | undefined, method: string): value is T {
  return value !== undefined && typeof (value as Record<string, unknown>)[method] === "function";
}

export function escrowModule(): Module<EscrowKeeper> {
  const keeper = new EscrowKeeper();
  let balances: BalanceReader | undefined;
  return {
    name: MODULE_NAME,
    storeNames: [STORE_NAME],
    msgs: escrowMsgs(keeper),
    queries: escrowQueries,
    keeper,
    connect(keeperOf) {
      const devices = keeperOf("device");
      const bank = keeperOf("bank");
      const poa = keeperOf("poa");
      if (!has<DeviceReader>(devices, "getDevice")) throw new Error("escrow needs the device module");
      if (!has<BankSendKeeper>(bank, "sendCoins")) throw new Error("escrow needs the bank module");
      if (has<BalanceReader>(bank, "getAllBalances")) balances = bank;
      keeper.connect({
        devices,
        bank,
        ...(has<ValidatorOperators>(poa, "operatorOf") ? { validators: poa } : {}),
      });
    },
    defaultGenesis: defaultEscrowGenesis,
    validateGenesis: (genesis) => void parseEscrowGenesis(genesis),
    initGenesis: (ctx, genesis) => initEscrowGenesis(ctx, keeper, parseEscrowGenesis(genesis)),
    exportGenesis: (ctx) => exportEscrowGenesis(ctx, keeper),
    invariants: escrowInvariants(keeper, () => balances),
    beginBlock: (ctx, block) => keeper.beginBlock(ctx, block.proposerAddress),
  };
}

export type { Escrow, EscrowModeName, EscrowParams, EscrowStatusName } from "./codec.ts";
export {
  EscrowKeeper,
  type FinalizedCommitment,
  type MeterFinalizationHook,
  splitRelease,
} from "./keeper.ts";
