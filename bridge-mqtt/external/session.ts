// A minimal MQTT 5 client for the bridge's external mode (../README.md, External broker mode) whose
// point is the PUBACK: each delivery is acknowledged only when the bridge says so (after the durable
// write), in the order the broker delivered them (MQTT 5 §4.6). mqtt.js cannot do that without
// stalling: its customHandleAcks holds its packet loop until the ack, so a bridge would take one
// reading per LevelDB group commit. Here up to RECEIVE_MAXIMUM deliveries are in flight at once.
//
// The session is persistent (Clean Start 0, Session Expiry SESSION_EXPIRY_S) under a stable client
// id: deliveries not yet acknowledged when the bridge dies or drops the connection stay in the
// broker's session and are sent again (DUP) when it reconnects. Reconnects back off from
// RECONNECT_MIN_MS to RECONNECT_MAX_MS. Framing, parsing and encoding are mqtt-packet's (the parser
// aedes and mqtt.js use); inbound bytes go through the same packet size guard as the embedded
// broker, and CONNECT's Maximum Packet Size asks the broker not to send anything larger.
import { connect as connectTcp, isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as connectTls } from "node:tls";
import mqttPacket, { type Packet } from "mqtt-packet";
import type { Logger } from "../../chain/node.ts";
import { guardPacketSize, MAX_MQTT_PACKET_BYTES } from "../packet-limit.ts";

/** Deliveries the broker may have in flight to us (MQTT 5 Receive Maximum), and past which we stop
 * reading from the broker until some are acknowledged: ~0.1 s at the
 * 10,000 readings/s target, enough to fill a LevelDB group commit (MAX_GROUP_COMMIT_READINGS) while
 * one is on its way to disk. mosquitto also caps this by its max_inflight_messages. */
export const RECEIVE_MAXIMUM = 1_000;
/** Rejection answers (QoS 1) we may have unacknowledged at the broker; past it one is dropped and
 * logged rather than queued (answers are best effort: the device also sees no error when offline). */
export const MAX_OUTGOING_IN_FLIGHT = 1_000;
/** How long the broker keeps our session (subscription, undelivered and unacknowledged readings)
 * after we disconnect, s: a bridge down for a day still finds its readings. */
export const SESSION_EXPIRY_S = 86_400;
/** MQTT keep alive, s: a dead connection is noticed within 1.5 × this. */
export const KEEPALIVE_S = 30;
/** CONNACK and SUBACK must come this soon, ms. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
export const RECONNECT_MIN_MS = 200;
export const RECONNECT_MAX_MS = 10_000;
/** MQTT 5 CONNACK/SUBACK reason codes below 0x80 are success (§2.4). */
const FIRST_FAILURE_REASON = 0x80;
const MAX_MESSAGE_ID = 0xffff;

export class ExternalBrokerError extends Error {
  /** refused: CONNACK or SUBACK with a failure reason, or a URL this session cannot speak;
   * closed: the session is closed or the connection dropped before the broker acknowledged;
   * busy: MAX_OUTGOING_IN_FLIGHT reached. */
  readonly code: "refused" | "closed" | "busy";
  constructor(code: ExternalBrokerError["code"], message: string) {
    super(message);
    this.name = "ExternalBrokerError";
    this.code = code;
  }
}

/** One message from the broker. Call exactly one of settle() (acknowledge, in delivery order) or
 * retry() (do not acknowledge; the connection is dropped so that the broker delivers it again). */
export interface Delivery {
  topic: string;
  payload: Uint8Array;
  settle(): void;
  retry(): void;
}

export interface ExternalSessionOptions {
  /** mqtt://host:port or mqtts://host:port (mqtts checks the broker's certificate against the
   * system CAs). */
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** The topic filter subscribed with QoS 1 on every connect (a shared subscription). */
  subscription: string;
  onDelivery(delivery: Delivery): void;
  logger: Logger;
}

interface PendingAck {
  messageId: number;
  settled: boolean;
}

/** Resolved connection parameters of a broker URL. */
export function parseBrokerUrl(url: string): { tls: boolean; host: string; port: number } {
  const parsed = new URL(url);
  if (parsed.protocol !== "mqtt:" && parsed.protocol !== "mqtts:")
    throw new ExternalBrokerError(
      "refused",
      `external mode speaks MQTT over TCP or TLS (mqtt://, mqtts://), not ${parsed.protocol}`,
    );
  const tls = parsed.protocol === "mqtts:";
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  return { tls, host, port: parsed.port === "" ? (tls ? 8883 : 1883) : Number(parsed.port) };
}

export class ExternalSession {
  readonly #options: ExternalSessionOptions;
  readonly #target: { tls: boolean; host: string; port: number };
  #socket: Socket | undefined;
  /** The current connection's inbound bytes (after the packet size guard): paused for backpressure. */
  #stream: Duplex | undefined;
  #send: ((packet: Packet) => void) | undefined;
  /** Bumped on every new connection: a delivery of an older one never acknowledges on a newer. */
  #generation = 0;
  #pendingAcks: PendingAck[] = [];
  readonly #outgoing = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  #nextMessageId = 1;
  #brokerReceiveMaximum = MAX_MESSAGE_ID;
  #closed = false;
  #reconnectDelayMs = RECONNECT_MIN_MS;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #keepaliveTimer: NodeJS.Timeout | undefined;
  #lastReceivedMs = 0;
  #subscribed = false;
  #readyWaiters: (() => void)[] = [];
  /** Connections made, and deliveries received and acknowledged (tests, metrics). */
  readonly stats = { connects: 0, delivered: 0, acknowledged: 0, redelivered: 0, maxPending: 0 };

  constructor(options: ExternalSessionOptions) {
    this.#options = options;
    this.#target = parseBrokerUrl(options.url);
  }

  /** Starts connecting (and reconnecting for as long as the session is open). */
  start(): void {
    this.#connect();
  }

  /** Resolves once connected and subscribed (immediately when already so). */
  ready(): Promise<void> {
    if (this.#subscribed) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Publishes QoS 1; resolves on the broker's PUBACK. Not retried across reconnects. */
  publish(topic: string, payload: Uint8Array, retain = false): Promise<void> {
    const send = this.#send;
    if (this.#closed || send === undefined || !this.#subscribed)
      return Promise.reject(new ExternalBrokerError("closed", "not connected to the external broker"));
    // The broker's own Receive Maximum (CONNACK) bounds what we may have unacknowledged there.
    const limit = Math.min(MAX_OUTGOING_IN_FLIGHT, this.#brokerReceiveMaximum);
    if (this.#outgoing.size >= limit)
      return Promise.reject(new ExternalBrokerError("busy", `${limit} publishes await the broker's PUBACK`));
    let messageId = this.#nextMessageId;
    while (this.#outgoing.has(messageId)) messageId = (messageId % MAX_MESSAGE_ID) + 1;
    this.#nextMessageId = (messageId % MAX_MESSAGE_ID) + 1;
    return new Promise<void>((resolve, reject) => {
      this.#outgoing.set(messageId, { resolve, reject });
      send({
        cmd: "publish",
        topic,
        payload: Buffer.from(payload),
        qos: 1,
        retain,
        dup: false,
        messageId,
      });
    });
  }

  /** Drops the connection now and reconnects after the back-off: every unacknowledged delivery
   * comes again. */
  reconnect(reason: string): void {
    if (this.#socket === undefined) return;
    this.#options.logger.warn({ broker: this.#options.url, reason }, "external broker: reconnecting");
    this.#socket.destroy();
  }

  /** Acknowledges what is settled, sends DISCONNECT (the session stays at the broker for
   * SESSION_EXPIRY_S) and stops reconnecting. Deliveries not settled by now are not acknowledged. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    const socket = this.#socket;
    if (socket === undefined || socket.destroyed) return;
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    this.#send?.({ cmd: "disconnect", reasonCode: 0 });
    socket.end();
    // A broker that never closes its side must not hold the node's shutdown.
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
    await closed;
    clearTimeout(timer);
  }

  #connect(): void {
    if (this.#closed) return;
    const generation = ++this.#generation;
    const { host, port, tls } = this.#target;
    const socket = tls
      ? connectTls({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}) })
      : connectTcp({ host, port });
    socket.setNoDelay(true);
    this.#socket = socket;
    const guarded = guardPacketSize(socket, {
      onViolation: (violation, announcedBytes) =>
        this.#options.logger.warn({ violation, announcedBytes }, "external broker sent an oversized packet"),
    });
    const send = (packet: Packet) => {
      if (!socket.destroyed) socket.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
    };
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.on("packet", (packet: Packet) => this.#onPacket(generation, packet, send));
    parser.on("error", (error: Error) => {
      this.#options.logger.warn({ err: error.message }, "external broker: unparsable packet");
      socket.destroy();
    });
    this.#stream = guarded;
    guarded.on("data", (chunk: Buffer) => {
      this.#lastReceivedMs = Date.now();
      parser.parse(chunk);
    });
    guarded.on("error", () => {}); // reported through close below
    socket.on("error", (error) =>
      this.#options.logger.warn(
        { broker: this.#options.url, err: error.message },
        "external broker: connection error",
      ),
    );
    socket.once("close", () => this.#onClose(generation));
    const handshake = setTimeout(() => {
      if (!this.#subscribed && this.#generation === generation) {
        this.#options.logger.warn(
          { broker: this.#options.url },
          "external broker: no CONNACK/SUBACK in time",
        );
        socket.destroy();
      }
    }, HANDSHAKE_TIMEOUT_MS);
    handshake.unref();
    const onConnected = () => {
      this.#lastReceivedMs = Date.now();
      send({
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion: 5,
        clientId: this.#options.clientId,
        clean: false,
        keepalive: KEEPALIVE_S,
        ...(this.#options.username ? { username: this.#options.username } : {}),
        ...(this.#options.password ? { password: Buffer.from(this.#options.password) } : {}),
        properties: {
          sessionExpiryInterval: SESSION_EXPIRY_S,
          receiveMaximum: RECEIVE_MAXIMUM,
          maximumPacketSize: MAX_MQTT_PACKET_BYTES,
        },
      });
    };
    socket.once(tls ? "secureConnect" : "connect", onConnected);
  }

  #onPacket(generation: number, packet: Packet, send: (packet: Packet) => void): void {
    if (generation !== this.#generation) return;
    switch (packet.cmd) {
      case "connack": {
        const reason = packet.reasonCode ?? packet.returnCode ?? 0;
        if (reason >= FIRST_FAILURE_REASON) {
          this.#options.logger.error(
            { broker: this.#options.url, clientId: this.#options.clientId, reason },
            "external broker refused the bridge's CONNECT",
          );
          this.#socket?.destroy();
          return;
        }
        this.#send = send;
        this.#brokerReceiveMaximum = packet.properties?.receiveMaximum ?? MAX_MESSAGE_ID;
        this.stats.connects++;
        this.#startKeepalive(generation, send);
        // Subscribed again on every connect: harmless when the session kept it, needed when not.
        send({
          cmd: "subscribe",
          messageId: 1,
          subscriptions: [{ topic: this.#options.subscription, qos: 1 }],
        });
        return;
      }
      case "suback": {
        const granted = packet.granted[0];
        if (typeof granted !== "number" || granted >= FIRST_FAILURE_REASON) {
          this.#options.logger.error(
            { broker: this.#options.url, subscription: this.#options.subscription, granted },
            "external broker refused the bridge's subscription",
          );
          this.#socket?.destroy();
          return;
        }
        this.#subscribed = true;
        this.#reconnectDelayMs = RECONNECT_MIN_MS;
        for (const resolve of this.#readyWaiters.splice(0)) resolve();
        return;
      }
      case "publish":
        this.#onPublish(generation, packet, send);
        return;
      case "puback": {
        const waiting = this.#outgoing.get(packet.messageId!);
        if (waiting === undefined) return;
        this.#outgoing.delete(packet.messageId!);
        const reason = packet.reasonCode ?? 0;
        if (reason >= FIRST_FAILURE_REASON)
          waiting.reject(
            new ExternalBrokerError("refused", `the broker refused the publish (reason ${reason})`),
          );
        else waiting.resolve();
        return;
      }
      case "disconnect":
        this.#options.logger.warn(
          { broker: this.#options.url, reason: packet.reasonCode },
          "external broker disconnected us",
        );
        this.#socket?.destroy();
        return;
      default:
        return; // pingresp (liveness is any packet), pubrec etc. never asked for
    }
  }

  #onPublish(generation: number, packet: mqttPacket.IPublishPacket, send: (packet: Packet) => void): void {
    this.stats.delivered++;
    if (packet.dup) this.stats.redelivered++;
    const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
    let entry: PendingAck | undefined;
    if (packet.qos > 0) {
      entry = { messageId: packet.messageId!, settled: false };
      this.#pendingAcks.push(entry);
      this.stats.maxPending = Math.max(this.stats.maxPending, this.#pendingAcks.length);
      // Backpressure rather than trust: mosquitto 2.0.11 was seen to send one more than Receive
      // Maximum, and after a reconnect to resend its in-flight messages on top of a fresh quota.
      // Reading stops (TCP pushes back on the broker) until acknowledgements bring us below it;
      // what one already-read chunk holds is the most we take beyond it.
      if (this.#pendingAcks.length >= RECEIVE_MAXIMUM) this.#stream?.pause();
    }
    let answered = false;
    this.#options.onDelivery({
      topic: packet.topic,
      payload,
      settle: () => {
        if (answered) return;
        answered = true;
        if (entry === undefined || generation !== this.#generation) return;
        entry.settled = true;
        this.#flushAcks(send);
      },
      retry: () => {
        if (answered) return;
        answered = true;
        if (generation === this.#generation) this.reconnect("a reading could not be taken now");
      },
    });
  }

  /** PUBACKs go out in delivery order: a settled delivery waits for those before it. */
  #flushAcks(send: (packet: Packet) => void): void {
    let count = 0;
    while (count < this.#pendingAcks.length && this.#pendingAcks[count]!.settled) {
      send({ cmd: "puback", messageId: this.#pendingAcks[count]!.messageId, reasonCode: 0 });
      count++;
    }
    if (count > 0) this.#pendingAcks.splice(0, count);
    this.stats.acknowledged += count;
    if (this.#pendingAcks.length < RECEIVE_MAXIMUM && this.#stream?.isPaused()) this.#stream.resume();
  }

  #startKeepalive(generation: number, send: (packet: Packet) => void): void {
    clearInterval(this.#keepaliveTimer);
    this.#keepaliveTimer = setInterval(
      () => {
        if (generation !== this.#generation) return;
        if (Date.now() - this.#lastReceivedMs > KEEPALIVE_S * 1500) {
          this.#options.logger.warn({ broker: this.#options.url }, "external broker: keep alive expired");
          this.#socket?.destroy();
          return;
        }
        send({ cmd: "pingreq" });
      },
      (KEEPALIVE_S * 1000) / 2,
    );
    this.#keepaliveTimer.unref();
  }

  #onClose(generation: number): void {
    if (generation !== this.#generation) return;
    this.#subscribed = false;
    this.#send = undefined;
    this.#socket = undefined;
    this.#stream = undefined;
    clearInterval(this.#keepaliveTimer);
    // Unacknowledged deliveries stay with the broker's session and come again after the reconnect.
    this.#pendingAcks = [];
    const lost = new ExternalBrokerError("closed", "the connection to the external broker dropped");
    for (const { reject } of this.#outgoing.values()) reject(lost);
    this.#outgoing.clear();
    if (this.#closed) return;
    const delay = this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(RECONNECT_MAX_MS, delay * 2);
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }
}
