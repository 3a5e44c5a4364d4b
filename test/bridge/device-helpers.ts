// Device fixtures of the bridge tests: meters registered through cosmjs with the project's registry,
// and a device logged in over MQTT 3.1.1 with its signed password (bridge-mqtt/README.md, Login).
import { assertIsDeliverTxSuccess, type SigningStargateClient } from "@cosmjs/stargate";
import mqtt, { type MqttClient } from "mqtt";
import { authPassword } from "../../bridge-mqtt/auth.ts";
import { MSG_REGISTER_DEVICE } from "../../client/index.ts";
import { CHAIN_ID } from "../helpers/node-process.ts";
import type { TestDeviceKey } from "./device-keys.ts";

/** Registers `devices` ([device id, key] pairs) as kWh meters of `owner`, in one tx. */
export async function registerMeters(
  client: SigningStargateClient,
  owner: string,
  devices: Iterable<readonly [string, TestDeviceKey]>,
): Promise<void> {
  const messages = [...devices].map(([deviceId, key]) => ({
    typeUrl: MSG_REGISTER_DEVICE,
    value: {
      owner,
      deviceId,
      publicKey: { type: key.type, key: key.publicKey },
      metadata: { model: "meter", unit: "kWh", locationHint: "" },
    },
  }));
  assertIsDeliverTxSuccess(await client.signAndBroadcast(owner, messages, "auto"));
}

/** `deviceId` logged in to `url` with a password `key` signs at `nowMs` (its clock; default now);
 * `ca` trusts a TLS listener's certificate. */
export function connectDevice(
  url: string,
  deviceId: string,
  key: TestDeviceKey,
  options: {
    chainId?: string | undefined;
    nowMs?: number | undefined;
    username?: string | undefined;
    ca?: Buffer | undefined;
  } = {},
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId: deviceId,
    username: options.username ?? deviceId,
    password: authPassword(options.chainId ?? CHAIN_ID, deviceId, options.nowMs ?? Date.now(), key.sign),
    reconnectPeriod: 0,
    protocolVersion: 4,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
}
