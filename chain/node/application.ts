// Builds the application a node runs: the module list, their stores mounted in the multistore, and
// the node-local options (minimum gas prices, pruning) from the config.
import type { ClassicLevel } from "classic-level";
import type { Genesis } from "../../genesis/genesis.ts";
import { authModule } from "../../modules/auth/module.ts";
import { bankModule } from "../../modules/bank/module.ts";
import { deviceModule } from "../../modules/device/module.ts";
import { escrowModule } from "../../modules/escrow/module.ts";
import { identityModule } from "../../modules/identity/module.ts";
import { marketModule } from "../../modules/market/module.ts";
import { meterModule } from "../../modules/meter/module.ts";
import { poaModule } from "../../modules/poa/module.ts";
import type { Application } from "../app/abci.ts";
import { BaseApplication } from "../app/application.ts";
import type { NodeConfig } from "../config/config.ts";
import { openCommitMultiStore } from "../store/multistore.ts";

export function modules() {
  return [
    authModule(),
    bankModule(),
    poaModule(),
    deviceModule(),
    identityModule(),
    escrowModule(),
    meterModule(),
    marketModule(),
  ];
}

export async function createApplication(input: {
  db: ClassicLevel<Uint8Array, Uint8Array>;
  genesis: Genesis;
  config: NodeConfig;
}): Promise<Application> {
  const list = modules();
  const store = await openCommitMultiStore({
    db: input.db,
    storeNames: BaseApplication.storeNames(list),
    pruning: input.config.store.pruning,
  });
  return new BaseApplication({
    store,
    modules: list,
    chainId: input.genesis.chainId,
    minGasPrices: input.config.app.minimumGasPrices,
    maxTxBytes: input.config.mempool.maxTxBytes,
  });
}
