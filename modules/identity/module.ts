// The identity module: soulbound company identity tokens (class "company", one per address, never
// transferable) holding the CID of the company's encrypted profile, its sector, a verified flag set
// by consortium vote, and revocation, in store "identity". Reads the sector list from the device
// module and the operator set from the poa module when they are registered (authority.ts); hands
// IdentityReader to others. README.md is its specification.
import type { Module } from "../../chain/app/module.ts";
import { lookupOperatorSource, lookupSectorCodes } from "./authority.ts";
import {
  defaultIdentityGenesis,
  exportIdentityGenesis,
  initIdentityGenesis,
  parseIdentityGenesis,
} from "./genesis.ts";
import { identityInvariants } from "./invariants.ts";
import { IdentityKeeper } from "./keeper.ts";
import { MODULE_NAME, STORE_NAME } from "./keys.ts";
import { identityMsgs } from "./msgs.ts";
import { identityQueries } from "./queries.ts";

export function identityModule(): Module<IdentityKeeper> {
  const keeper = new IdentityKeeper();
  return {
    name: MODULE_NAME,
    storeNames: [STORE_NAME],
    msgs: identityMsgs(keeper),
    queries: identityQueries,
    keeper,
    connect(keeperOf) {
      keeper.useSources({ operators: lookupOperatorSource(keeperOf), sectors: lookupSectorCodes(keeperOf) });
    },
    defaultGenesis: defaultIdentityGenesis,
    validateGenesis: (genesis) => void parseIdentityGenesis(genesis),
    initGenesis: (ctx, genesis) => initIdentityGenesis(ctx, keeper, parseIdentityGenesis(genesis)),
    exportGenesis: (ctx) => exportIdentityGenesis(ctx, keeper),
    invariants: identityInvariants(keeper),
  };
}

export type { ConsortiumOperators, SectorCodes } from "./authority.ts";
export type { IdentityParams, IdentityToken, Operator, Vote } from "./codec.ts";
export { IdentityKeeper, type IdentityReader } from "./keeper.ts";
