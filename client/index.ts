// sensorchain's client entry point (package export "./client"): a cosmjs Registry that knows the
// standard Cosmos messages and every sensorchain message, plus each module's types and type URLs.
//
//   import { createRegistry } from "sensorchain/client";
//   const client = await SigningStargateClient.connectWithSigner(rpc, wallet, { registry: createRegistry() });
//   await client.signAndBroadcast(address, [{ typeUrl: MSG_REGISTER_DEVICE, value: {...} }], "auto");
import { type GeneratedType, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes } from "@cosmjs/stargate";
import { deviceTypes } from "./device.ts";
import { escrowTypes } from "./escrow.ts";
import { identityTypes } from "./identity.ts";
import { marketTypes } from "./market.ts";
import { meterTypes } from "./meter.ts";
import { poaTypes } from "./poa.ts";

export * from "./device.ts";
export * from "./escrow.ts";
export * from "./identity.ts";
export * from "./market.ts";
export * from "./meter.ts";
export * from "./poa.ts";

/** Our message types, module by module. Adding a module is one line here (and its export above). */
export const sensorchainTypes: readonly [string, GeneratedType][] = [
  ...deviceTypes,
  ...escrowTypes,
  ...identityTypes,
  ...marketTypes,
  ...meterTypes,
  ...poaTypes,
];

/** A fresh Registry: cosmjs' defaults (bank, staking, …) plus every sensorchain message. */
export function createRegistry(): Registry {
  return new Registry([...defaultRegistryTypes, ...sensorchainTypes]);
}

/** A shared registry for callers that do not register types of their own. */
export const registry: Registry = createRegistry();
