// x/auth as a Module: accounts in store "acc", queries, genesis. Create it first when wiring; hand
// its keeper (as BankAccountKeeper) to bank, or let bank find it by name when the app connects modules.

import { FEE_COLLECTOR } from "../../chain/app/ante.ts";
import type { Module } from "../../chain/app/module.ts";
import { defaultAuthGenesis, exportAuthGenesis, initAuthGenesis, parseAuthGenesis } from "./genesis.ts";
import { AuthKeeper } from "./keeper.ts";
import { MODULE_NAME, STORE_NAME } from "./keys.ts";
import { authMsgs } from "./msgs.ts";
import { authQueries } from "./queries.ts";

export interface AuthModuleOptions {
  /** Module accounts by name with their permissions; fee_collector is always included. */
  moduleAccounts?: Record<string, readonly string[]>;
}

export function authModule(options: AuthModuleOptions = {}): Module<AuthKeeper> {
  const moduleAccounts = new Map<string, readonly string[]>([[FEE_COLLECTOR, []]]);
  for (const [name, permissions] of Object.entries(options.moduleAccounts ?? {}))
    moduleAccounts.set(name, permissions);
  const keeper = new AuthKeeper(
    new Map([...moduleAccounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
  return {
    name: MODULE_NAME,
    storeNames: [STORE_NAME],
    msgs: authMsgs,
    queries: authQueries,
    keeper,
    defaultGenesis: defaultAuthGenesis,
    validateGenesis: (genesis) => void parseAuthGenesis(genesis),
    initGenesis: (ctx, genesis) => initAuthGenesis(ctx, keeper, parseAuthGenesis(genesis)),
    exportGenesis: (ctx) => exportAuthGenesis(ctx, keeper),
  };
}

export { AuthKeeper, type BankAccountKeeper, DEFAULT_AUTH_PARAMS } from "./keeper.ts";
export { moduleAddress } from "./keys.ts";
