// External broker mode (../README.md, External broker mode): instead of the embedded aedes, the
// bridge consumes readings from a broker the operator runs (mosquitto, EMQX) with a shared
// subscription, so several bridges split one broker's readings. Each reading goes through the same
// pipeline as in embedded mode (decode, registry, signature, skew, replay, durable append); the
// broker's delivery is acknowledged only after the write, or once the reading is finally rejected
// (answered on the device's errors topic through the broker). A transient failure (storage, a full
// queue) acknowledges nothing and drops the connection: the broker delivers again.
//
// Device login and ACL are the broker's job here (README.md gives a mosquitto configuration): the
// bridge cannot see who published. It still checks that a reading names the device of its topic and
// verifies every signature against the registry, so a forged reading is refused whoever sent it.
import { createHash } from "node:crypto";
import type { Logger } from "../../chain/node.ts";
import { type BridgeCounters, BridgeUnavailable, ReadingRejected } from "../errors.ts";
import type { ReadingPipeline } from "../pipeline.ts";
import { errorsTopic, parseDeviceTopic, TOPIC_ROOT } from "../topics.ts";
import { type Delivery, ExternalSession } from "./session.ts";

export interface ExternalBridgeOptions {
  /** mqtt.external_url: mqtt://host:port or mqtts://host:port. */
  url: string;
  username: string;
  password: string;
  /** mqtt.shared_group: bridges with the same group split the readings between them. */
  sharedGroup: string;
  /** Stable per node (externalClientId): the broker keeps this bridge's session under it. */
  clientId: string;
  pipeline: ReadingPipeline;
  counters: BridgeCounters;
  logger: Logger;
}

export interface ExternalBridge {
  url: string;
  clientId: string;
  /** The topic filter this bridge consumes. */
  subscription: string;
  /** Resolves once connected and subscribed. */
  ready(): Promise<void>;
  /** Publishes through the external broker (QoS 1; resolves on its PUBACK). */
  publish(topic: string, payload: Uint8Array, retain?: boolean): Promise<void>;
  /** Paid commands (commands/publisher.ts's CommandPublisher) through the external broker. There a
   * retained message is also delivered to current subscribers: setRetained is a retained publish,
   * and an empty payload clears the topic's retained message (MQTT §3.3.1.3). */
  commandPublisher: {
    publish(topic: string, payload: Uint8Array, retain: boolean): Promise<void>;
    setRetained(topic: string, payload: Uint8Array): Promise<void>;
  };
  stats: ExternalSession["stats"];
  close(): Promise<void>;
}

/** `$share/<group>/sensorchain/v1/devices/+/readings` (MQTT 5 §4.8.2). */
export const sharedReadingsSubscription = (group: string): string =>
  `$share/${group}/${TOPIC_ROOT}/devices/+/readings`;

/** The client id of a node's bridge at the external broker: the same across restarts (so the broker
 * keeps its session and redelivers what it did not acknowledge), different between nodes. Derived
 * from what identifies the node: its node key when it has one, else its home directory. */
export function externalClientId(chainId: string, nodeIdentity: Uint8Array | string): string {
  const digest = createHash("sha256")
    .update(`sensorchain-bridge/v1|${chainId}|`)
    .update(nodeIdentity)
    .digest("hex");
  return `sensorchain-bridge-${digest.slice(0, 20)}`;
}

export function startExternalBridge(options: ExternalBridgeOptions): ExternalBridge {
  const { pipeline, counters, logger } = options;
  const subscription = sharedReadingsSubscription(options.sharedGroup);
  const session: ExternalSession = new ExternalSession({
    url: options.url,
    clientId: options.clientId,
    ...(options.username === "" ? {} : { username: options.username }),
    ...(options.password === "" ? {} : { password: options.password }),
    subscription,
    logger,
    onDelivery: (delivery) => handle(delivery),
  });

  const answer = (deviceId: string, error: ReadingRejected) => {
    const body = JSON.stringify({ code: error.code, message: error.message });
    session
      .publish(errorsTopic(deviceId), Buffer.from(body))
      .catch((publishError: unknown) =>
        logger.warn({ device: deviceId, err: publishError }, "rejection not sent"),
      );
  };

  const handle = (delivery: Delivery) => {
    const topic = parseDeviceTopic(delivery.topic);
    if (topic === undefined || topic.kind !== "readings") {
      // Only a misconfigured broker (or subscription) sends these: nothing to store or answer.
      logger.warn(
        { topic: delivery.topic },
        "external broker delivered a topic that is not a readings topic",
      );
      return delivery.settle();
    }
    pipeline.accept(topic.deviceId, delivery.payload).then(
      () => {
        counters.accepted++;
        delivery.settle();
      },
      (error: unknown) => {
        if (error instanceof ReadingRejected) {
          counters.rejected[error.code]++;
          answer(topic.deviceId, error);
          return delivery.settle(); // final: the same bytes again would get the same answer
        }
        counters.unavailable++;
        if (error instanceof BridgeUnavailable && error.code === "stopped") return; // redelivered after restart
        logger.warn(
          { device: topic.deviceId, err: error },
          "reading not acknowledged; the broker will resend",
        );
        delivery.retry();
      },
    );
  };

  session.start();
  logger.info(
    { broker: options.url, clientId: options.clientId, subscription },
    "mqtt bridge in external mode",
  );
  return {
    url: options.url,
    clientId: options.clientId,
    subscription,
    ready: () => session.ready(),
    publish: (topic, payload, retain) => session.publish(topic, payload, retain ?? false),
    commandPublisher: {
      publish: (topic, payload, retain) => session.publish(topic, payload, retain),
      setRetained: (topic, payload) => session.publish(topic, payload, true),
    },
    stats: session.stats,
    close: () => session.close(),
  };
}
