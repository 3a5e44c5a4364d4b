// x/bank as a Module: balances and supply in store "bank", MsgSend, queries, genesis, invariants.
// Needs auth's BankAccountKeeper: pass it (bankModule({ accounts: auth.keeper })) or let the
// application hand it over by module name when it connects modules (bankModule()).
import type { Module } from "../../chain/app/module.ts";
import type { BankAccountKeeper } from "../auth/keeper.ts";
import { defaultBankGenesis, exportBankGenesis, initBankGenesis, parseBankGenesis } from "./genesis.ts";
import { bankInvariants } from "./invariants.ts";
import { BankKeeper } from "./keeper.ts";
import { MODULE_NAME, STORE_NAME } from "./keys.ts";
import { bankMsgs } from "./msgs.ts";
import { bankQueries } from "./queries.ts";

export interface BankModuleDependencies {
  accounts?: BankAccountKeeper;
}

function isBankAccountKeeper(keeper: object | undefined): keeper is BankAccountKeeper {
  const k = keeper as Partial<BankAccountKeeper> | undefined;
  return (
    typeof k?.hasAccount === "function" &&
    typeof k.createAccount === "function" &&
    typeof k.moduleAddress === "function" &&
    typeof k.isModuleAddress === "function"
  );
}

export function bankModule(dependencies: BankModuleDependencies = {}): Module<BankKeeper> {
  const keeper = new BankKeeper(dependencies.accounts);
  return {
    name: MODULE_NAME,
    storeNames: [STORE_NAME],
    msgs: bankMsgs(keeper),
    queries: bankQueries,
    keeper,
    connect(keeperOf) {
      if (dependencies.accounts !== undefined) return;
      const accounts = keeperOf("auth");
      if (!isBankAccountKeeper(accounts))
        throw new Error("bank needs a module named auth providing BankAccountKeeper");
      keeper.connect(accounts);
    },
    defaultGenesis: defaultBankGenesis,
    validateGenesis: (genesis) => void parseBankGenesis(genesis),
    initGenesis: (ctx, genesis) =>
      initBankGenesis(ctx, keeper, parseBankGenesis(genesis), (address) => {
        if (!keeper.accounts.hasAccount(ctx, address)) keeper.accounts.createAccount(ctx, address);
      }),
    exportGenesis: (ctx) => exportBankGenesis(ctx, keeper),
    invariants: bankInvariants(keeper),
  };
}
