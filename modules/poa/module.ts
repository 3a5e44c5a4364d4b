// The poa module: the consortium's validator set (store "poa"), its proposals and votes, the queue of
// validator changes EndBlock emits (at most 1/3 of the power a block) and jailing on evidence from
// BeginBlock. Needs no other keeper; hands ValidatorOperators to meter and identity. README.md is its
// specification.
import type { Module } from "../../chain/app/module.ts";
import { defaultPoaGenesis, exportPoaGenesis, initPoaGenesis, parsePoaGenesis } from "./genesis.ts";
import { poaInvariants } from "./invariants.ts";
import { PoaKeeper } from "./keeper.ts";
import { MODULE_NAME, STORE_NAME } from "./keys.ts";
import { poaMsgs } from "./msgs.ts";
import { poaQueries } from "./queries.ts";

export function poaModule(): Module<PoaKeeper> {
  const keeper = new PoaKeeper();
  return {
    name: MODULE_NAME,
    storeNames: [STORE_NAME],
    msgs: poaMsgs(keeper),
    queries: poaQueries,
    keeper,
    defaultGenesis: defaultPoaGenesis,
    validateGenesis: (genesis) => void parsePoaGenesis(genesis),
    initGenesis: (ctx, genesis) => initPoaGenesis(ctx, keeper, parsePoaGenesis(genesis)),
    exportGenesis: (ctx) => exportPoaGenesis(ctx, keeper),
    invariants: poaInvariants(keeper),
    beginBlock: (ctx, block) => keeper.handleMisbehavior(ctx, block.misbehavior),
    async endBlock(ctx) {
      await keeper.expireProposals(ctx);
      return keeper.applyQueue(ctx);
    },
  };
}

export type {
  ChangeKindName,
  Evidence,
  Proposal,
  ProposalStatusName,
  QueuedChange,
  Validator,
  ValidatorChange,
  Vote,
  VoteOptionName,
} from "./codec.ts";
export { type OperatorInfo, PoaKeeper, type ValidatorOperators } from "./keeper.ts";
