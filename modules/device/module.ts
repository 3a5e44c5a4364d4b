// The device module: the registry of IoT devices (ids SSSS_NNNN, owner, public key, metadata, shared
// flag with terms, status) in store "device". Needs no other keeper; hands DeviceReader to escrow,
// meter, market and the MQTT bridge. README.md is its specification.
import type { Module } from "../../chain/app/module.ts";
import {
  defaultDeviceGenesis,
  exportDeviceGenesis,
  initDeviceGenesis,
  parseDeviceGenesis,
} from "./genesis.ts";
import { deviceInvariants } from "./invariants.ts";
import { DeviceKeeper } from "./keeper.ts";
import { MODULE_NAME, STORE_NAME } from "./keys.ts";
import { deviceMsgs } from "./msgs.ts";
import { deviceQueries } from "./queries.ts";

export function deviceModule(): Module<DeviceKeeper> {
  const keeper = new DeviceKeeper();
  return {
    name: MODULE_NAME,
    storeNames: [STORE_NAME],
    msgs: deviceMsgs(keeper),
    queries: deviceQueries,
    keeper,
    defaultGenesis: defaultDeviceGenesis,
    validateGenesis: (genesis) => void parseDeviceGenesis(genesis),
    initGenesis: (ctx, genesis) => initDeviceGenesis(ctx, keeper, parseDeviceGenesis(genesis)),
    exportGenesis: (ctx) => exportDeviceGenesis(ctx, keeper),
    invariants: deviceInvariants(keeper),
  };
}

export type { Device, DeviceCounts, DeviceMetadata, DevicePublicKey, ShareTerms } from "./codec.ts";
export { DeviceKeeper, type DeviceReader } from "./keeper.ts";
