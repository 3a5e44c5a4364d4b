// Consumer commands (Fides scenario 2; README.md, Commands): a logged-in consumer publishes to
// sensorchain/v1/commands/<device id>; the bridge checks the payload size, the consumer's and the
// device's command rate and the consumer's entitlement to the device (owner, open escrow, market
// grant), then forwards {"from", "payload", "ts_ms"} to the device's commands topic. A refusal is
// acknowledged (resending would get the same answer) and answered on the consumer's own
// sensorchain/v1/consumers/<address>/errors topic with a stable code, and counted. An accepted
// command is also relayed to the other validators' bridges (command-relay.ts): the actuator may be
// connected to any of them.
import type { Logger } from "../../chain/node.ts";
import { DEVICE_ID_PATTERN } from "../../modules/device/keys.ts";
import type { BridgeNetwork } from "../bridge.ts";
import type { ConsumerPublishHook, ConsumerSession, ConsumerSubscribeHook } from "../consumers/access.ts";
import type { Entitlement, EntitlementChecker } from "../consumers/entitlements.ts";
import { commandsTopic, TOPIC_ROOT } from "../topics.ts";
import { CommandRelay, type CommandRelayCounters, type RelayedCommand } from "./command-relay.ts";
import type { CommandPublisher } from "./publisher.ts";

/** Largest consumer command payload, bytes: as a paid command (modules/escrow MAX_COMMAND_PAYLOAD_BYTES). */
export const MAX_CONSUMER_COMMAND_BYTES = 256;
/** Commands per second one consumer account may send (sustained), and its burst. */
export const CONSUMER_COMMANDS_PER_SECOND = 5;
export const CONSUMER_COMMAND_BURST = 10;
/** Commands per second one device may receive from all consumers together (an actuator is slow), and
 * its burst. */
export const DEVICE_COMMANDS_PER_SECOND = 5;
export const DEVICE_COMMAND_BURST = 10;
/** Rate buckets kept (accounts + devices); past it the longest-unused is forgotten (it comes back
 * full, which only matters to someone holding 10,000 logged-in accounts at once). */
export const MAX_RATE_BUCKETS = 20_000;

const COMMAND_TOPIC = /^sensorchain\/v1\/commands\/([^/]+)$/;

/** Where a consumer sends a command for a device. */
export const consumerCommandTopic = (deviceId: string): string => `${TOPIC_ROOT}/commands/${deviceId}`;
/** Where the bridge answers a consumer's refused commands (only that consumer may subscribe). */
export const consumerErrorsTopic = (account: string): string => `${TOPIC_ROOT}/consumers/${account}/errors`;

export type ConsumerCommandRefusal =
  | "oversized"
  | "malformed"
  | "rate_limited"
  | "unknown_device"
  | "not_entitled"
  | "unavailable";

export interface ConsumerCommandCounters {
  forwarded: number;
  refused: Record<ConsumerCommandRefusal, number>;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export interface ConsumerCommandsOptions {
  now: () => number;
  logger: Logger;
}

export class ConsumerCommands {
  readonly counters: ConsumerCommandCounters = {
    forwarded: 0,
    refused: {
      oversized: 0,
      malformed: 0,
      rate_limited: 0,
      unknown_device: 0,
      not_entitled: 0,
      unavailable: 0,
    },
  };
  readonly #options: ConsumerCommandsOptions;
  readonly #buckets = new Map<string, Bucket>();
  #entitlements: EntitlementChecker | undefined;
  #publisher: CommandPublisher | undefined;
  #relay: CommandRelay | undefined;

  constructor(options: ConsumerCommandsOptions) {
    this.#options = options;
  }

  /** The consumers' entitlements and the broker, once both exist (bridge.ts builds the hooks first);
   * with the node's network, accepted commands also go to the other validators' bridges. */
  attach(
    entitlements: EntitlementChecker,
    publisher: CommandPublisher,
    relay?: { network: BridgeNetwork; chainId: string; topic: string },
  ): void {
    this.#entitlements = entitlements;
    this.#publisher = publisher;
    if (relay !== undefined)
      this.#relay = new CommandRelay({
        ...relay,
        now: this.#options.now,
        logger: this.#options.logger,
        deliver: (command) => this.#deliver(command),
      });
  }

  /** Relay counters (undefined without a network). */
  get relayCounters(): CommandRelayCounters | undefined {
    return this.#relay?.counters;
  }

  stop(): void {
    this.#relay?.stop();
  }

  /** ConsumerAccess' publish hook: resolves to PUBACK (forwarded or answered), rejects (the client is
   * disconnected) for a topic that is not a command topic or when the answer is not known now. */
  readonly authorizePublish: ConsumerPublishHook = async (session, packet) => {
    const match = COMMAND_TOPIC.exec(packet.topic);
    if (match === null) throw new Error(`consumers may not publish to ${packet.topic}`);
    const deviceId = match[1]!;
    const refusal = await this.#check(session, deviceId, packet.payload);
    if (refusal !== undefined) {
      this.counters.refused[refusal.code]++;
      this.#options.logger.info(
        { account: session.account, device: deviceId, reason: refusal.code },
        "consumer command refused",
      );
      await this.#send(consumerErrorsTopic(session.account), {
        code: refusal.code,
        message: refusal.message,
        device_id: deviceId,
      });
      return;
    }
    const command = { deviceId, from: session.account, payload: packet.payload, tsMs: this.#options.now() };
    await this.#deliver(command);
    this.#relay?.send(command);
    this.counters.forwarded++;
  };

  /** To the device's commands topic on this bridge's broker. */
  #deliver(command: RelayedCommand): Promise<void> {
    return this.#send(commandsTopic(command.deviceId), {
      from: command.from,
      payload: Buffer.from(command.payload).toString("base64"),
      ts_ms: command.tsMs,
    });
  }

  /** ConsumerAccess' subscribe hook: a consumer may subscribe to its own errors topic only. */
  readonly authorizeSubscribe: ConsumerSubscribeHook = async (session, topic) =>
    topic === consumerErrorsTopic(session.account);

  async #check(
    session: ConsumerSession,
    deviceId: string,
    payload: Uint8Array,
  ): Promise<{ code: ConsumerCommandRefusal; message: string } | undefined> {
    if (!DEVICE_ID_PATTERN.test(deviceId))
      return { code: "malformed", message: `${JSON.stringify(deviceId)} is not a device id (SSSS_NNNN)` };
    if (payload.length === 0) return { code: "malformed", message: "empty command" };
    if (payload.length > MAX_CONSUMER_COMMAND_BYTES)
      return {
        code: "oversized",
        message: `command of ${payload.length} bytes (max ${MAX_CONSUMER_COMMAND_BYTES})`,
      };
    const nowMs = this.#options.now();
    if (
      !this.#take(`account:${session.account}`, nowMs, CONSUMER_COMMANDS_PER_SECOND, CONSUMER_COMMAND_BURST)
    )
      return {
        code: "rate_limited",
        message: `more than ${CONSUMER_COMMANDS_PER_SECOND} commands/s from this account`,
      };
    if (!this.#take(`device:${deviceId}`, nowMs, DEVICE_COMMANDS_PER_SECOND, DEVICE_COMMAND_BURST))
      return {
        code: "rate_limited",
        message: `more than ${DEVICE_COMMANDS_PER_SECOND} commands/s to this device`,
      };
    if (this.#entitlements === undefined) throw new Error("consumer commands are not attached yet");
    // An unknown answer (query failure) rejects: the consumer is disconnected and resends, as a
    // device whose reading met a transient failure.
    let entitlement: Entitlement;
    try {
      entitlement = await this.#entitlements.isEntitled(session.account, deviceId, nowMs);
    } catch (error) {
      this.counters.refused.unavailable++;
      throw error;
    }
    if (entitlement.entitled) return undefined;
    return entitlement.reason === "unknown_device"
      ? { code: "unknown_device", message: `no device ${deviceId}` }
      : {
          code: "not_entitled",
          message: `${session.account} is not the owner and has no open escrow or grant for ${deviceId}`,
        };
  }

  /** Token bucket: refills `perSecond`, holds at most `burst`; false when empty. */
  #take(key: string, nowMs: number, perSecond: number, burst: number): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_RATE_BUCKETS) this.#buckets.delete(this.#buckets.keys().next().value!);
      bucket = { tokens: burst, updatedMs: nowMs };
    } else this.#buckets.delete(key); // re-inserted below: Map order is least recently used first
    bucket.tokens = Math.min(
      burst,
      bucket.tokens + (Math.max(0, nowMs - bucket.updatedMs) * perSecond) / 1000,
    );
    bucket.updatedMs = nowMs;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  async #send(topic: string, message: object): Promise<void> {
    if (this.#publisher === undefined) throw new Error("consumer commands are not attached yet");
    await this.#publisher.publish(topic, Buffer.from(JSON.stringify(message)), false);
  }
}
