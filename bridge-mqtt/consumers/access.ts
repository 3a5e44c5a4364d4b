// What consumers may do on the broker (bridge-mqtt/README.md, Consumers): log in with their account
// key, subscribe to the streams of devices they are entitled to (SUBACK 0x80 otherwise), receive a
// stream only while the entitlement holds (checked again at every delivery past its recheck time,
// and at once when a committed event may have changed it), and publish only through the
// `authorizePublish` hook (consumer commands, bridge-mqtt/commands) — without one, never.
import type { Client } from "aedes";
import type { Logger } from "../../chain/node.ts";
import { consumerErrorsTopic } from "../commands/consumer-commands.ts";
import { streamTopic } from "../topics.ts";
import { ENTITLEMENT_CACHE_TTL_MS, type Entitlement, type EntitlementChecker } from "./entitlements.ts";
import { authenticateConsumerMqtt, type ConsumerLoginFailure, ConsumerLoginRefused } from "./login.ts";
import { isUnderStreams, parseStreamTopic, streamJsonTopic, streamRevokedTopic } from "./stream-topics.ts";

/** Consumers connected at once to one bridge (each holds a few small maps). */
export const MAX_CONSUMER_SESSIONS = 10_000;
/** Streams (devices) one consumer connection may hold. */
export const MAX_STREAMS_PER_SESSION = 1_000;
/** Devices whose streams the bridge publishes because a consumer subscribed since it started (the
 * embedded broker's sessions live in memory, so no subscriber predates that). Past it, every device
 * is published. */
export const MAX_STREAMED_DEVICES = 100_000;
/** A delivery this close to the entitlement's recheck time asks again in the background, so the
 * answer is there before the old one runs out and a 1 Hz stream loses nothing, ms. */
const RECHECK_AHEAD_MS = 3_000;

export interface ConsumerSession {
  /** The account (bech32 address) the connection proved. */
  account: string;
  clientId: string;
}

export type StreamRefusal =
  | "not_entitled"
  | "unknown_device"
  | "bad_topic"
  | "too_many_streams"
  | "unavailable";

export interface ConsumerCounters {
  loginsAccepted: number;
  loginsRefused: Record<ConsumerLoginFailure, number>;
  /** Stream subscriptions refused (SUBACK 0x80), by reason. */
  streamsRefused: Record<StreamRefusal, number>;
  streamsGranted: number;
  /** Streams ended because the entitlement ended (escrow closed or expired, grant over, transfer). */
  streamsCut: number;
  /** Consumer publishes refused (no hook, or the hook said no); the client is disconnected. */
  publishesRefused: number;
}

function refusalMessage(account: string, topic: string, reason: StreamRefusal): string {
  const deviceId = parseStreamTopic(topic)?.deviceId;
  switch (reason) {
    case "not_entitled":
      return `${account} is not the owner of ${deviceId} and holds no open escrow or market grant for it`;
    case "unknown_device":
      return `device ${deviceId} is not registered`;
    case "bad_topic":
      return "consumers may subscribe to sensorchain/v1/streams/<device id> and …/json only (no wildcards)";
    case "too_many_streams":
      return `at most ${MAX_STREAMS_PER_SESSION} devices per connection`;
    case "unavailable":
      return "the entitlement cannot be checked now; subscribe again later";
  }
}

/** A JSON message to this client alone, QoS 0 (aedes Client.publish, not through subscriptions). */
function tell(client: Client, topic: string, message: object): void {
  const payload = Buffer.from(JSON.stringify(message));
  client.publish({ cmd: "publish", topic, payload, qos: 0, retain: false, dup: false }, () => {});
}

export function newConsumerCounters(): ConsumerCounters {
  return {
    loginsAccepted: 0,
    loginsRefused: { malformed: 0, stale: 0, bad_signature: 0, address_mismatch: 0, busy: 0 },
    streamsRefused: {
      not_entitled: 0,
      unknown_device: 0,
      bad_topic: 0,
      too_many_streams: 0,
      unavailable: 0,
    },
    streamsGranted: 0,
    streamsCut: 0,
    publishesRefused: 0,
  };
}

/** A consumer publish (e.g. a command to a device it is entitled to): resolve to accept (PUBACK,
 * aedes then forwards it), reject to refuse (MQTT 3.1.1 has no negative PUBACK: disconnected). */
export type ConsumerPublishHook = (
  session: ConsumerSession,
  packet: { topic: string; payload: Uint8Array },
) => Promise<void>;
/** A consumer subscription outside sensorchain/v1/streams/: resolve true to allow, false for 0x80. */
export type ConsumerSubscribeHook = (session: ConsumerSession, topic: string) => Promise<boolean>;

interface StreamState {
  entitlement: Entitlement | undefined;
  checking: boolean;
}

interface Session extends ConsumerSession {
  client: Client;
  streams: Map<string, StreamState>;
}

export interface ConsumerAccessOptions {
  chainId: string;
  entitlements: EntitlementChecker;
  now: () => number;
  logger: Logger;
  authorizePublish?: ConsumerPublishHook;
  authorizeSubscribe?: ConsumerSubscribeHook;
}

export class ConsumerAccess {
  readonly counters = newConsumerCounters();
  readonly #options: ConsumerAccessOptions;
  /** Accounts of clients that logged in as consumers (set in authenticate, before the CONNACK). */
  readonly #accounts = new WeakMap<Client, string>();
  readonly #sessions = new Map<Client, Session>();
  readonly #streamedDevices = new Set<string>();

  constructor(options: ConsumerAccessOptions) {
    this.#options = options;
  }

  /** Checks a CONNECT whose username is an account; throws ConsumerLoginRefused. */
  login(client: Client, username: string, password: Uint8Array | undefined): void {
    try {
      // A connection that closed before its CONNACK went out gets no clientDisconnect: swept here.
      if (this.#sessions.size >= MAX_CONSUMER_SESSIONS)
        for (const known of this.#sessions.keys()) if (known.closed) this.#sessions.delete(known);
      if (this.#sessions.size >= MAX_CONSUMER_SESSIONS)
        throw new ConsumerLoginRefused("busy", "too many consumers connected to this bridge");
      const account = authenticateConsumerMqtt({
        chainId: this.#options.chainId,
        clientId: client.id,
        username,
        password,
        nowMs: this.#options.now(),
      });
      this.#accounts.set(client, account);
      this.#sessions.set(client, { account, clientId: client.id, client, streams: new Map() });
      this.counters.loginsAccepted++;
    } catch (error) {
      if (error instanceof ConsumerLoginRefused) this.counters.loginsRefused[error.code]++;
      throw error;
    }
  }

  isConsumer(client: Client | null): boolean {
    return client !== null && this.#accounts.has(client);
  }

  /** The connection ended (aedes clientDisconnect, or a refused CONNECT). */
  forget(client: Client): void {
    this.#sessions.delete(client);
  }

  /** Whether the bridge should publish this device's stream now (someone subscribed since start). */
  isStreamed(deviceId: string): boolean {
    return this.#streamedDevices.size >= MAX_STREAMED_DEVICES || this.#streamedDevices.has(deviceId);
  }

  /** A consumer SUBSCRIBE: undefined allows it, a reason refuses it (SUBACK 0x80). */
  async authorizeSubscribe(client: Client, topic: string): Promise<StreamRefusal | undefined> {
    const session = this.#sessions.get(client);
    if (session === undefined) return "bad_topic";
    const stream = parseStreamTopic(topic);
    if (stream === undefined) {
      const hook = this.#options.authorizeSubscribe;
      if (isUnderStreams(topic) || hook === undefined || !(await hook(session, topic)))
        return this.#refuse(session, topic, "bad_topic");
      return undefined;
    }
    const { deviceId } = stream;
    if (!session.streams.has(deviceId) && session.streams.size >= MAX_STREAMS_PER_SESSION)
      return this.#refuse(session, topic, "too_many_streams");
    let entitlement: Entitlement;
    try {
      entitlement = await this.#options.entitlements.isEntitled(
        session.account,
        deviceId,
        this.#options.now(),
      );
    } catch (error) {
      this.#options.logger.warn({ err: error, device: deviceId }, "entitlement not known");
      return this.#refuse(session, topic, "unavailable");
    }
    if (!entitlement.entitled)
      return this.#refuse(
        session,
        topic,
        entitlement.reason === "unknown_device" ? "unknown_device" : "not_entitled",
      );
    session.streams.set(deviceId, { entitlement, checking: false });
    if (this.#streamedDevices.size < MAX_STREAMED_DEVICES) this.#streamedDevices.add(deviceId);
    this.counters.streamsGranted++;
    return undefined;
  }

  #refuse(session: Session, topic: string, reason: StreamRefusal): StreamRefusal {
    this.counters.streamsRefused[reason]++;
    this.#options.logger.info({ account: session.account, topic, reason }, "consumer subscription refused");
    // SUBACK 0x80 carries no reason in MQTT 3.1.1: the consumer's errors topic does, sent to this
    // connection alone (as refused consumer commands are).
    tell(session.client, consumerErrorsTopic(session.account), {
      code: reason,
      message: refusalMessage(session.account, topic, reason),
      topic,
    });
    return reason;
  }

  /** aedes authorizeForward, per subscriber and message: false drops the delivery. Synchronous. */
  mayDeliver(client: Client, topic: string): boolean {
    if (!isUnderStreams(topic)) return true;
    const stream = parseStreamTopic(topic);
    // No subscription other than a stream's is allowed under streams/: anything else is the bridge
    // writing to this one client (a revoked notice).
    if (stream === undefined) return true;
    const session = this.#sessions.get(client);
    if (session === undefined) return false;
    let state = session.streams.get(stream.deviceId);
    if (state === undefined) {
      // A subscription aedes restored from an earlier session: check it before the first delivery.
      if (session.streams.size >= MAX_STREAMS_PER_SESSION) return false;
      state = { entitlement: undefined, checking: false };
      session.streams.set(stream.deviceId, state);
    }
    const nowMs = this.#options.now();
    const entitlement = state.entitlement;
    if (entitlement === undefined || nowMs >= entitlement.recheckAtMs - RECHECK_AHEAD_MS)
      this.#recheck(session, stream.deviceId, state);
    return entitlement?.entitled === true && nowMs < entitlement.recheckAtMs;
  }

  /** Asks again for every consumer streaming one of these devices (a committed event changed them). */
  recheckDevices(deviceIds: ReadonlySet<string>): void {
    for (const session of this.#sessions.values())
      for (const [deviceId, state] of session.streams)
        if (deviceIds.has(deviceId)) this.#recheck(session, deviceId, state);
  }

  #recheck(session: Session, deviceId: string, state: StreamState): void {
    if (state.checking) return;
    state.checking = true;
    // Answers younger than the renewal window are reused; older ones are asked again, so the
    // renewed answer lasts a whole TTL and no delivery waits for it.
    const maxAgeMs = ENTITLEMENT_CACHE_TTL_MS - RECHECK_AHEAD_MS;
    this.#options.entitlements.isEntitled(session.account, deviceId, this.#options.now(), maxAgeMs).then(
      (entitlement) => {
        state.checking = false;
        if (entitlement.entitled) state.entitlement = entitlement;
        else this.#cut(session, deviceId, entitlement.reason);
      },
      (error: unknown) => {
        // Unknown is not a refusal: deliveries continue until the current answer runs out.
        state.checking = false;
        this.#options.logger.warn({ err: error, device: deviceId }, "entitlement recheck failed");
      },
    );
  }

  /** Ends a consumer's stream of a device: unsubscribed by the broker, told on …/revoked. */
  #cut(session: Session, deviceId: string, reason: string): void {
    if (!session.streams.delete(deviceId)) return;
    this.counters.streamsCut++;
    this.#options.logger.info(
      { account: session.account, device: deviceId, reason },
      "consumer stream ended",
    );
    const { client } = session;
    if (client.closed) return;
    // Without a message id aedes sends no UNSUBACK (the client asked for none); a persistent
    // session keeps the subscription on record, and mayDeliver checks it again after a reconnect.
    client.unsubscribe([streamTopic(deviceId), streamJsonTopic(deviceId)] as never, () => {});
    tell(client, streamRevokedTopic(deviceId), { device_id: deviceId, reason });
  }

  /** A consumer PUBLISH: resolves when the hook accepts it, rejects otherwise. */
  async authorizePublish(client: Client, topic: string, payload: Uint8Array): Promise<void> {
    const session = this.#sessions.get(client);
    const hook = this.#options.authorizePublish;
    try {
      if (session === undefined || hook === undefined) throw new Error("consumers may not publish here");
      await hook({ account: session.account, clientId: session.clientId }, { topic, payload });
    } catch (error) {
      this.counters.publishesRefused++;
      throw error;
    }
  }
}
