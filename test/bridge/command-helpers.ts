// Fixtures of the command tests (bridge-mqtt/README.md, Commands): an actuator logged in over MQTT
// and subscribed to its commands topic, a registered and shared device, and a paid command (an escrow
// with command terms) opened through cosmjs with the project's registry.
import type { SigningStargateClient } from "@cosmjs/stargate";
import { assertIsDeliverTxSuccess } from "@cosmjs/stargate";
import type { MqttClient } from "mqtt";
import { commandsTopic } from "../../bridge-mqtt/topics.ts";
import {
  EscrowMode,
  MSG_OPEN_ESCROW,
  MSG_REGISTER_DEVICE,
  MSG_SHARE_DEVICE,
  PricingUnit,
  escrow as pb,
} from "../../client/index.ts";
import { CHAIN_ID, DENOM, rpc } from "../helpers/node-process.ts";
import { connectDevice } from "./device-helpers.ts";
import type { TestDeviceKey } from "./device-keys.ts";

export interface CommandMessage {
  escrow_id?: string;
  state?: "on" | "off";
  payload?: string;
  from_ms?: number;
  until_ms?: number;
  from?: string;
  ts_ms?: number;
  /** The MQTT retain flag of the delivery. */
  retained: boolean;
}

export interface Actuator {
  client: MqttClient;
  /** The next message on the commands topic, in arrival order. */
  next(): Promise<CommandMessage>;
}

/** A device logged in to `url` (its clock `nowMs`) and subscribed to its commands topic (QoS 1). */
export async function connectActuator(
  url: string,
  deviceId: string,
  key: TestDeviceKey,
  nowMs: () => number = Date.now,
  chainId = CHAIN_ID,
): Promise<Actuator> {
  const client = await connectDevice(url, deviceId, key, { chainId, nowMs: nowMs() });
  const received: CommandMessage[] = [];
  const waiting: ((message: CommandMessage) => void)[] = [];
  client.on("message", (_topic, payload, packet) => {
    const message = { ...JSON.parse(payload.toString()), retained: packet.retain } as CommandMessage;
    const waiter = waiting.shift();
    if (waiter === undefined) received.push(message);
    else waiter(message);
  });
  await client.subscribeAsync(commandsTopic(deviceId), { qos: 1 });
  return {
    client,
    next: () =>
      new Promise<CommandMessage>((resolve) => {
        const message = received.shift();
        if (message === undefined) waiting.push(resolve);
        else resolve(message);
      }),
  };
}

/** Registers and shares `deviceId` (owner pays), and funds `fund` addresses in the same tx. */
export async function registerSharedDevice(
  client: SigningStargateClient,
  owner: string,
  deviceId: string,
  key: TestDeviceKey,
  fund: string[] = [],
): Promise<void> {
  assertIsDeliverTxSuccess(
    await client.signAndBroadcast(
      owner,
      [
        {
          typeUrl: MSG_REGISTER_DEVICE,
          value: {
            owner,
            deviceId,
            publicKey: { type: key.type, key: key.publicKey },
            metadata: { model: "actuator", unit: "", locationHint: "" },
          },
        },
        {
          typeUrl: MSG_SHARE_DEVICE,
          value: {
            owner,
            deviceId,
            terms: { unit: PricingUnit.PRICING_UNIT_PER_DAY, price: { denom: DENOM, amount: "1000" } },
          },
        },
        ...fund.map((toAddress) => ({
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: { fromAddress: owner, toAddress, amount: [{ denom: DENOM, amount: "10000000" }] },
        })),
      ],
      "auto",
    ),
  );
}

/** Opens a MANUAL escrow of 5,000 whose price 1,000 pays for `payload` on the device for
 * `durationSeconds`; resolves with the escrow id. */
export async function payCommand(
  client: SigningStargateClient,
  rpcUrl: string,
  consumer: string,
  deviceId: string,
  payload: string,
  durationSeconds: bigint,
): Promise<string> {
  const status = await rpc(rpcUrl, "status");
  const blockSeconds = BigInt(Math.floor(Date.parse(status.result.sync_info.latest_block_time) / 1000));
  const result = await client.signAndBroadcast(
    consumer,
    [
      {
        typeUrl: MSG_OPEN_ESCROW,
        value: {
          consumer,
          deviceId,
          releaseAuthority: consumer,
          mode: EscrowMode.ESCROW_MODE_MANUAL,
          deposit: { denom: DENOM, amount: "5000" },
          price: { denom: DENOM, amount: "1000" },
          expiryTime: blockSeconds + 3_600n,
          command: { payload: new TextEncoder().encode(payload), durationSeconds },
        },
      },
    ],
    "auto",
  );
  assertIsDeliverTxSuccess(result);
  return String(pb.MsgOpenEscrowResponse.decode(result.msgResponses[0]!.value).escrowId);
}
