// The embedded broker: aedes on a TCP listener with TCP_NODELAY (Nagle added 20-40 ms to p99 at
// 10,000 msg/s; ../shared reference baselines), device login, the ACL and the reading hook. A QoS 1
// reading is acknowledged from aedes' authorizePublish, which aedes runs before it writes the
// PUBACK: the hook calls back only once the reading is on disk or finally rejected.
// Consumers (a username that is an account address) are handed to consumers/access.ts. The same
// broker also listens with TLS and over WebSocket (path /mqtt) when the config asks.
import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { resolve } from "node:path";
import type { Duplex } from "node:stream";
import { createServer as createTlsServer } from "node:tls";
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client } from "aedes";
import { createWebSocketStream, WebSocketServer } from "ws";
import { ConfigError } from "../chain/config/errors.ts";
import type { MqttConfig } from "../chain/config/schema.ts";
import { parseListenAddress } from "../chain/config/schema.ts";
import type { Logger } from "../chain/node.ts";
import { authenticateDevice } from "./auth.ts";
import type { ConsumerAccess } from "./consumers/access.ts";
import { ConsumerLoginRefused, isConsumerUsername } from "./consumers/login.ts";
import { AuthRefused, type BridgeCounters, ReadingRejected } from "./errors.ts";
import { guardPacketSize } from "./packet-limit.ts";
import type { ReadingPipeline } from "./pipeline.ts";
import { type ReadingTap, TapGate, tapReadings } from "./reading-tap.ts";
import type { DeviceRegistry } from "./registry.ts";
import { errorsTopic, parseDeviceTopic, readingsTopic } from "./topics.ts";

/** MQTT 3.1.1 CONNACK codes (§3.2.2.3): 3 server unavailable, 4 bad user name or password, 5 not authorized. */
const CONNACK_SERVER_UNAVAILABLE = 3;
const CONNACK_BAD_CREDENTIALS = 4;
const CONNACK_NOT_AUTHORIZED = 5;
/** Messages aedes queues per offline-or-slow client (its default is 42): errors and commands only. */
const CLIENT_QUEUE_LIMIT = 100;
/** A device must send CONNECT this soon after opening the socket, ms (aedes default 30 s). */
const CONNECT_TIMEOUT_MS = 10_000;
/** Largest WebSocket message, bytes: one MQTT packet per message (mqtt.js), a reading at most 4 KiB. */
const WS_MAX_MESSAGE_BYTES = 256 * 1024;
/** The HTTP path of MQTT over WebSocket (the common broker default). */
export const WS_PATH = "/mqtt";

/** The TLS and WebSocket listeners of the [mqtt] config, with the TLS files read (paths relative to
 * the node's home). */
export interface ExtraListeners {
  tls?: { host: string; port: number; cert: Uint8Array; key: Uint8Array };
  ws?: { host: string; port: number };
}

export async function extraListenersOf(
  config: MqttConfig | undefined,
  home: string,
): Promise<ExtraListeners> {
  const listeners: ExtraListeners = {};
  if (config === undefined) return listeners;
  if (config.tlsLaddr !== "") {
    const read = async (field: string, file: string) => {
      const path = resolve(home, file);
      try {
        return await readFile(path);
      } catch (error) {
        throw new ConfigError(
          field,
          `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
        );
      }
    };
    const cert = await read("mqtt.tls_cert_file", config.tlsCertFile);
    const key = await read("mqtt.tls_key_file", config.tlsKeyFile);
    listeners.tls = { ...parseListenAddress(config.tlsLaddr, "mqtt.tls_laddr"), cert, key };
  }
  if (config.wsLaddr !== "") listeners.ws = parseListenAddress(config.wsLaddr, "mqtt.ws_laddr");
  return listeners;
}

export interface BrokerOptions {
  chainId: string;
  registry: DeviceRegistry;
  pipeline: ReadingPipeline;
  counters: BridgeCounters;
  logger: Logger;
  now: () => number;
  /** Consumer logins and stream ACL; without it, only devices may connect. */
  consumers?: ConsumerAccess;
}

export interface RunningBroker {
  broker: Aedes;
  server: Server;
  /** mqtt://host:port of the TCP listener. */
  url: string;
  /** mqtts://host:port and ws://host:port/mqtt when those listeners run. */
  tlsUrl: string | undefined;
  wsUrl: string | undefined;
  close(): Promise<void>;
}

function refusal(code: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

export async function startBroker(
  options: BrokerOptions,
  laddr: { host: string; port: number },
  extra: ExtraListeners = {},
) {
  const { counters, logger, consumers } = options;
  /** Readings the pipeline stored, between their authorizePublish and aedes' publish of them. */
  const storedReadings = new WeakSet<object>();
  const broker = await Aedes.createBroker({
    queueLimit: CLIENT_QUEUE_LIMIT,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // A will would let a device publish, after it is gone, to a topic it names: devices have none.
    preConnect: (_client, packet, callback) =>
      callback(null, packet.will === undefined || packet.will === null),
    authenticate: (client, username, password, done) => {
      if (consumers !== undefined && isConsumerUsername(username)) {
        try {
          consumers.login(client, username!, password);
          return done(null, true);
        } catch (error) {
          const code = error instanceof ConsumerLoginRefused ? error.code : "malformed";
          logger.info({ account: username, reason: code }, "mqtt consumer login refused");
          const returnCode = code === "busy" ? CONNACK_SERVER_UNAVAILABLE : CONNACK_BAD_CREDENTIALS;
          return done(refusal(returnCode, code), false);
        }
      }
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
      if (consumers?.isConsumer(client)) {
        consumers.authorizeSubscribe(client, subscription.topic).then(
          (refused) => callback(null, refused === undefined ? subscription : null),
          () => callback(null, null),
        );
        return;
      }
      const topic = parseDeviceTopic(subscription.topic);
      if (topic !== undefined && topic.deviceId === client.id && topic.kind !== "readings")
        return callback(null, subscription);
      counters.aclDenied++;
      callback(null, null); // SUBACK 0x80: refused, the connection stays
    },
    authorizeForward: (client, packet) =>
      consumers === undefined || consumers.mayDeliver(client, packet.topic) ? packet : null,
    authorizePublish: (client, packet, callback) => {
      if (client !== null && consumers?.isConsumer(client)) {
        packet.retain = false;
        consumers.authorizePublish(client, packet.topic, packet.payload as Uint8Array).then(
          () => callback(null),
          (error: unknown) => {
            counters.aclDenied++;
            callback(error instanceof Error ? error : new Error(String(error)));
          },
        );
        return;
      }
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
      acceptReading(topic.deviceId, packet.payload as Uint8Array, (error, stored) => {
        if (stored) storedReadings.add(packet);
        callback(error ?? null);
      });
    },
  });

  /** One reading through the pipeline, from aedes (authorizePublish) or from the reading tap: `done`
   * without an error acknowledges it (stored, or finally rejected: resending the same bytes would get
   * the same answer, which goes to the device's errors topic); with one, the device is disconnected
   * without a PUBACK and resends. */
  const acceptReading = (
    deviceId: string,
    payload: Uint8Array,
    done: (error: Error | undefined, stored: boolean) => void,
  ) =>
    options.pipeline.admit(deviceId, payload, (error) => {
      if (error === undefined) {
        counters.accepted++;
        return done(undefined, true);
      }
      if (!(error instanceof ReadingRejected)) {
        counters.unavailable++;
        logger.warn({ device: deviceId, err: error }, "reading not acknowledged");
        return done(error, false);
      }
      counters.rejected[error.code]++;
      const answer = JSON.stringify({ code: error.code, message: error.message });
      publish(errorsTopic(deviceId), Buffer.from(answer)).catch((publishError: unknown) =>
        logger.warn({ err: publishError }, "rejection not sent"),
      );
      done(undefined, false);
    });

  // A logged-in device's readings skip aedes (reading-tap.ts): the same acceptance, its PUBACK
  // written by the tap. aedes still sees every other packet, and would refresh the keepalive timer
  // for each packet it reads: the tap's readings must too, or a device that only publishes (MQTT
  // sends PINGREQ only when nothing else went out) would be cut after 1.5 keepalive periods.
  const taps = new WeakMap<Duplex, ReadingTap>();
  const tapGate = new TapGate();
  broker.on("clientReady", (client: Client) => {
    if (consumers?.isConsumer(client)) return;
    options.pipeline.prepare(client.id);
    const tap = taps.get(client.conn as Duplex);
    const keepalive = client as unknown as {
      _keepaliveInterval: number;
      _keepaliveTimer: NodeJS.Timeout | null;
    };
    tap?.start(
      readingsTopic(client.id),
      (payload, done) => {
        if (keepalive._keepaliveInterval > 0) keepalive._keepaliveTimer?.refresh();
        acceptReading(client.id, payload, done);
      },
      (error) => client.emit("error", error),
    );
  });

  // After a reading's PUBACK aedes would route the packet: persistence lookups and mqemitter
  // matching against every subscription (~5% of the main thread at 3,000 readings/s). Nobody can
  // subscribe to a readings topic (the ACL above) and streams are served from the store, so an
  // accepted reading ends at its PUBACK; every other publish is routed as before.
  const route = broker.publish.bind(broker) as (packet: unknown, client: unknown, done?: unknown) => void;
  (broker as { publish: unknown }).publish = (packet: unknown, client: unknown, done?: unknown) => {
    if (!storedReadings.has(packet as object)) return route(packet, client, done);
    storedReadings.delete(packet as object);
    const callback = (typeof client === "function" ? client : done) as ((error?: Error) => void) | undefined;
    if (callback !== undefined) process.nextTick(callback);
  };

  const publish = (topic: string, payload: Uint8Array) =>
    new Promise<void>((resolve, reject) =>
      broker.publish(
        { cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
        (error) => (error ? reject(error) : resolve()),
      ),
    );

  // Every transport goes through the packet-size guard before aedes parses a byte.
  const admit = (stream: Duplex, remote: string | undefined, request?: IncomingMessage) => {
    taps.set(stream, tapReadings(stream, tapGate));
    broker.handle(
      guardPacketSize(stream, {
        onViolation: (violation, announcedBytes) => {
          counters.oversizedPackets++;
          logger.info({ remote, violation, announcedBytes }, "mqtt packet refused");
        },
      }),
      request,
    );
  };
  const server = createServer({ noDelay: true }, (socket: Socket) => {
    socket.setNoDelay(true);
    admit(socket, socket.remoteAddress);
  });
  const servers: Server[] = [server];
  const url = `mqtt://${await listen(server, laddr)}`;
  let tlsUrl: string | undefined;
  let wsUrl: string | undefined;
  const wsSockets = new Set<Socket>();
  let webSockets: WebSocketServer | undefined;
  try {
    if (extra.tls !== undefined) {
      const { cert, key } = extra.tls;
      let tlsServer: Server;
      try {
        tlsServer = createTlsServer({ cert: Buffer.from(cert), key: Buffer.from(key) }, (socket) => {
          socket.setNoDelay(true);
          admit(socket, socket.remoteAddress);
        });
      } catch (error) {
        throw new ConfigError(
          "mqtt.tls_cert_file",
          `certificate and key are not a usable PEM pair: ${(error as Error).message}`,
        );
      }
      servers.push(tlsServer);
      tlsUrl = `mqtts://${await listen(tlsServer, extra.tls)}`;
    }
    if (extra.ws !== undefined) {
      const httpServer = createHttpServer((_request, response) => {
        response.writeHead(404, { "Content-Type": "text/plain" }).end(`MQTT over WebSocket is at ${WS_PATH}`);
      });
      httpServer.on("connection", (socket: Socket) => {
        socket.setNoDelay(true);
        wsSockets.add(socket);
        socket.on("close", () => wsSockets.delete(socket));
      });
      webSockets = new WebSocketServer({
        server: httpServer,
        path: WS_PATH,
        maxPayload: WS_MAX_MESSAGE_BYTES,
      });
      webSockets.on("connection", (socket, request) =>
        admit(createWebSocketStream(socket), request.socket.remoteAddress, request),
      );
      servers.push(httpServer);
      wsUrl = `ws://${await listen(httpServer, extra.ws)}${WS_PATH}`;
    }
  } catch (error) {
    for (const started of servers) started.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  broker.on("clientError", (client: Client, error: Error) =>
    logger.info({ device: client.id, err: error.message }, "mqtt client error"),
  );
  if (consumers !== undefined) broker.on("clientDisconnect", (client: Client) => consumers.forget(client));

  return {
    broker,
    server,
    url,
    tlsUrl,
    wsUrl,
    async close() {
      const closed = Promise.all(
        servers.map((each) => new Promise<void>((resolve) => each.close(() => resolve()))),
      );
      webSockets?.close();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const socket of wsSockets) socket.destroy();
      await closed;
    },
  } satisfies RunningBroker;
}

/** Listens on host:port (port 0: the OS chooses); resolves with the bound "host:port". */
async function listen(server: Server, laddr: { host: string; port: number }): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(laddr.port, laddr.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };
  const host = laddr.host.includes(":") ? `[${laddr.host}]` : laddr.host;
  return `${host}:${port}`;
}

export type { AedesPublishPacket };
