// The embedded broker: aedes on a TCP listener with TCP_NODELAY (Nagle added 20-40 ms to p99 at
// 10,000 msg/s; ../shared reference baselines), device login, the ACL and the reading hook. A QoS 1
// reading is acknowledged from aedes' authorizePublish, which aedes runs before it writes the
// PUBACK: the hook calls back only once the reading is on disk or finally rejected.
import { createServer, type Server, type Socket } from "node:net";
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client } from "aedes";
import type { Logger } from "../chain/node.ts";
import { authenticateDevice } from "./auth.ts";
import { AuthRefused, type BridgeCounters, ReadingRejected } from "./errors.ts";
import { guardPacketSize } from "./packet-limit.ts";
import type { ReadingPipeline } from "./pipeline.ts";
import type { DeviceRegistry } from "./registry.ts";
import { errorsTopic, parseDeviceTopic } from "./topics.ts";

/** MQTT 3.1.1 CONNACK codes (§3.2.2.3): 4 bad user name or password, 5 not authorized. */
const CONNACK_BAD_CREDENTIALS = 4;
const CONNACK_NOT_AUTHORIZED = 5;
/** Messages aedes queues per offline-or-slow client (its default is 42): errors and commands only. */
const CLIENT_QUEUE_LIMIT = 100;
/** A device must send CONNECT this soon after opening the socket, ms (aedes default 30 s). */
const CONNECT_TIMEOUT_MS = 10_000;

export interface BrokerOptions {
  chainId: string;
  registry: DeviceRegistry;
  pipeline: ReadingPipeline;
  counters: BridgeCounters;
  logger: Logger;
  now: () => number;
}

export interface RunningBroker {
  broker: Aedes;
  server: Server;
  /** Publishes a bridge message to a topic (QoS 1). */
  publish(topic: string, payload: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

function refusal(code: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

export async function startBroker(options: BrokerOptions, laddr: { host: string; port: number }) {
  const { counters, logger } = options;
  const broker = await Aedes.createBroker({
    queueLimit: CLIENT_QUEUE_LIMIT,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // A will would let a device publish, after it is gone, to a topic it names: devices have none.
    preConnect: (_client, packet, callback) =>
      callback(null, packet.will === undefined || packet.will === null),
    authenticate: (client, username, password, done) => {
      authenticateDevice({
        registry: options.registry,
        chainId: options.chainId,
        clientId: client.id,
        username,
        password,
        nowMs: options.now(),
      }).then(
        () => {
          counters.connectsAccepted++;
          done(null, true);
        },
        (error: unknown) => {
          const code = error instanceof AuthRefused ? error.code : "unavailable";
          counters.connectsRefused[code]++;
          logger.info({ device: client.id, reason: code }, "mqtt login refused");
          const returnCode =
            code === "unknown_device" || code === "retired_device" || code === "unavailable"
              ? CONNACK_NOT_AUTHORIZED
              : CONNACK_BAD_CREDENTIALS;
          done(refusal(returnCode, code), false);
        },
      );
    },
    authorizeSubscribe: (client, subscription, callback) => {
      const topic = parseDeviceTopic(subscription.topic);
      if (topic !== undefined && topic.deviceId === client.id && topic.kind !== "readings")
        return callback(null, subscription);
      counters.aclDenied++;
      callback(null, null); // SUBACK 0x80: refused, the connection stays
    },
    authorizePublish: (client, packet, callback) => {
      const topic = parseDeviceTopic(packet.topic);
      if (
        client === null ||
        topic === undefined ||
        topic.kind !== "readings" ||
        topic.deviceId !== client.id
      ) {
        counters.aclDenied++;
        return callback(new Error("not authorized to publish to this topic"));
      }
      packet.retain = false;
      options.pipeline.accept(topic.deviceId, packet.payload as Uint8Array).then(
        () => {
          counters.accepted++;
          callback(null);
        },
        (error: unknown) => {
          if (!(error instanceof ReadingRejected)) {
            counters.unavailable++;
            logger.warn({ device: topic.deviceId, err: error }, "reading not acknowledged");
            return callback(error as Error); // disconnects without PUBACK: the device resends
          }
          counters.rejected[error.code]++;
          const answer = JSON.stringify({ code: error.code, message: error.message });
          publish(errorsTopic(topic.deviceId), Buffer.from(answer)).catch((publishError: unknown) =>
            logger.warn({ err: publishError }, "rejection not sent"),
          );
          callback(null); // acknowledged: resending the same bytes would get the same answer
        },
      );
    },
  });

  const publish = (topic: string, payload: Uint8Array) =>
    new Promise<void>((resolve, reject) =>
      broker.publish(
        { cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
        (error) => (error ? reject(error) : resolve()),
      ),
    );

  const server = createServer({ noDelay: true }, (socket: Socket) => {
    socket.setNoDelay(true);
    broker.handle(
      guardPacketSize(socket, {
        onViolation: (violation, announcedBytes) => {
          counters.oversizedPackets++;
          logger.info({ remote: socket.remoteAddress, violation, announcedBytes }, "mqtt packet refused");
        },
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(laddr.port, laddr.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  broker.on("clientError", (client: Client, error: Error) =>
    logger.info({ device: client.id, err: error.message }, "mqtt client error"),
  );

  return {
    broker,
    server,
    publish,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await closed;
    },
  } satisfies RunningBroker;
}

export type { AedesPublishPacket };
