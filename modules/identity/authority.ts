// The narrow interfaces the identity keeper needs from other modules, and their fallbacks:
// - who the consortium operators are (voting on verify / revoke): the poa module will provide them;
//   until then they come from this module's params (genesis `consortium_operators`);
// - which sector codes exist: the device module's params (sector_codes); without a device module,
//   the same NACE Rev. 2 division list the device module ships by default.
import type { Context, KeeperLookup } from "../../chain/app/module.ts";
import { DEFAULT_SECTOR_CODES } from "../device/sectors.ts";
import type { Operator } from "./codec.ts";

/** The consortium's operators and their voting power, at the context's state. */
export interface ConsortiumOperators {
  consortiumOperators(ctx: Context): readonly Operator[];
}

/** The sector codes a company may register with, at the context's state. */
export interface SectorCodes {
  sectorCodes(ctx: Context): readonly string[];
}

/** Module name whose keeper, when it has `consortiumOperators(ctx)`, replaces the params list. */
export const OPERATOR_SOURCE_MODULE = "poa";
/** Module name whose keeper's `params(ctx).sectorCodes` is the sector list. */
export const SECTOR_SOURCE_MODULE = "device";

export const defaultSectorCodes: SectorCodes = { sectorCodes: () => DEFAULT_SECTOR_CODES };

function isOperatorSource(keeper: object | undefined): keeper is ConsortiumOperators {
  return typeof (keeper as Partial<ConsortiumOperators> | undefined)?.consortiumOperators === "function";
}

interface SectorParamsKeeper {
  params(ctx: Context): { sectorCodes: readonly string[] };
}

function isSectorParamsKeeper(keeper: object | undefined): keeper is SectorParamsKeeper {
  return typeof (keeper as Partial<SectorParamsKeeper> | undefined)?.params === "function";
}

/** The operator source among the registered modules, if any (else the keeper keeps its params). */
export function lookupOperatorSource(keeperOf: KeeperLookup): ConsortiumOperators | undefined {
  const keeper = keeperOf(OPERATOR_SOURCE_MODULE);
  return isOperatorSource(keeper) ? keeper : undefined;
}

/** The device module's sector list when that module is registered, else the default list. */
export function lookupSectorCodes(keeperOf: KeeperLookup): SectorCodes {
  const keeper = keeperOf(SECTOR_SOURCE_MODULE);
  if (!isSectorParamsKeeper(keeper)) return defaultSectorCodes;
  return { sectorCodes: (ctx) => keeper.params(ctx).sectorCodes };
}
