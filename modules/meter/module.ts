// The meter module: daily commitments per device and UTC day (store "meter"), submitted and attested
// by validator operators, final at more than 2/3 of the validator power; finalization calls the
// escrow keeper's hook (pay per reading). Finds device, poa and (optionally) escrow by name on
// connect. README.md is its specification.
import type { Module } from "../../chain/app/module.ts";
import type { DeviceReader } from "../device/keeper.ts";
import type { ValidatorOperators } from "../poa/keeper.ts";
import { defaultMeterGenesis, exportMeterGenesis, initMeterGenesis, parseMeterGenesis } from "./genesis.ts";
import { meterInvariants } from "./invariants.ts";
import { type CommitmentFinalizedHook, MeterKeeper } from "./keeper.ts";
import { MODULE_NAME, STORE_NAME } from "./keys.ts";
import { meterMsgs } from "./msgs.ts";
import { poaPowers } from "./powers.ts";
import { meterQueries } from "./queries.ts";

function has<T extends object>(value: object | undefined, method: string): value is T {
  return value !== undefined && typeof (value as Record<string, unknown>)[method] === "function";
}

/** Modules whose keepers get the finalization hook, in this order, when they are in the app. */
export const HOOK_MODULES = ["escrow"] as const;

export function meterModule(): Module<MeterKeeper> {
  const keeper = new MeterKeeper();
  return {
    name: MODULE_NAME,
    storeNames: [STORE_NAME],
    msgs: meterMsgs(keeper),
    queries: meterQueries(poaPowers),
    keeper,
    connect(keeperOf) {
      const devices = keeperOf("device");
      const validators = keeperOf("poa");
      if (!has<DeviceReader>(devices, "getDevice")) throw new Error("meter needs the device module");
      if (!has<ValidatorOperators>(validators, "isOperator")) throw new Error("meter needs the poa module");
      const hooks: CommitmentFinalizedHook[] = [];
      for (const name of HOOK_MODULES) {
        const hook = keeperOf(name);
        if (has<CommitmentFinalizedHook>(hook, "onCommitmentFinalized")) hooks.push(hook);
      }
      keeper.connect({ devices, validators, hooks });
    },
    defaultGenesis: defaultMeterGenesis,
    validateGenesis: (genesis) => void parseMeterGenesis(genesis),
    initGenesis: (ctx, genesis) => initMeterGenesis(ctx, keeper, parseMeterGenesis(genesis)),
    exportGenesis: (ctx) => exportMeterGenesis(ctx, keeper),
    invariants: meterInvariants(keeper),
  };
}

export type { Aggregate, Candidate, Commitment, CommitmentBody } from "./codec.ts";
export { type CommitmentFinalizedHook, MeterKeeper } from "./keeper.ts";
export { commitmentBodyOf, dayProofs, encodeReading, type Reading, readingSignBytes } from "./reading.ts";
