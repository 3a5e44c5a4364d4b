// The node's libp2p host: TCP + noise + yamux, identify, ping, gossipsub (StrictNoSign: every
// payload we gossip is signed by its author already, see README.md), request/response protocols,
// and persistent peers redialed with exponential backoff. The identity is config/node_key.json.
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { StreamState, YamuxStream } from "@chainsafe/libp2p-yamux/stream";
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import { type GossipSub, gossipsub, StrictNoSign, TopicValidatorResult } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import type { PeerId, Stream } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import { lpStream } from "@libp2p/utils";
import { createLibp2p, type Libp2p } from "libp2p";
import {
  MAX_GOSSIP_MESSAGE_BYTES,
  PING_INTERVAL_MS,
  PING_TIMEOUT_MAX_MS,
  REDIAL_MAX_MS,
  REDIAL_MIN_MS,
} from "./limits.ts";
import type { P2PMetrics } from "./metrics.ts";
import { listenMultiaddr, type PeerAddress } from "./peers.ts";

export type Verdict = "accept" | "reject" | "ignore";

export interface P2PLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface P2PHostOptions {
  /** The 32-byte ed25519 seed of config/node_key.json. */
  nodeKeySeed: Uint8Array;
  /** config p2p.laddr, "tcp://127.0.0.1:26656". */
  laddr: string;
  persistentPeers: readonly PeerAddress[];
  /** Peer ids of validators: gossipsub direct peers (always forwarded to, never pruned). */
  validatorPeerIds: ReadonlySet<string>;
  metrics: P2PMetrics;
  logger: P2PLogger;
}

type Services = { pubsub: GossipSub; identify: unknown; ping: unknown };

export { peerIdOfNodeKey, peerIdOfPublicKey } from "./peer-id.ts";

const VERDICTS: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
};

/** The gossipsub internals `sendIDontWantsToDirectPeers` uses (not on the GossipSub interface). */
interface GossipsubInternals {
  direct: Set<string>;
  mesh: Map<string, Set<string>>;
  topics: Map<string, Set<string>>;
  sendIDontWants(msgId: Uint8Array, topic: string, source: string): void;
  sendRpcInBatch(peers: Set<string>, rpc: unknown): void;
  forwardMessage(
    msgIdStr: string,
    rawMsg: unknown,
    propagationSource?: string,
    excludePeers?: Set<string>,
  ): void;
}

/**
 * Validators are each other's gossipsub direct peers, and gossipsub publishes to every direct peer: a
 * message that came from a direct peer was sent by it to all the others too (as its author, or as the
 * first direct peer it reached from outside), so forwarding it to them only repeats it. In the
 * 4-validator devnet profile forwarding cost more main thread than publishing (votes and block parts
 * are forwarded before any IDONTWANT can arrive), and every copy is decrypted and dropped again on the
 * other side. Mesh (non-direct) peers are still forwarded to, and so is everything that came from one.
 * A broken link between two validators is bridged by the consensus repeats and catch-up commits (from
 * the other validators, which do reach both), not by forwarding.
 */
function skipForwardingAmongDirectPeers(pubsub: GossipSub): void {
  const internals = pubsub as unknown as GossipsubInternals;
  const forward = internals.forwardMessage.bind(pubsub);
  internals.forwardMessage = (msgIdStr, rawMsg, propagationSource, excludePeers) => {
    if (propagationSource === undefined || !internals.direct.has(propagationSource)) {
      forward(msgIdStr, rawMsg, propagationSource, excludePeers);
      return;
    }
    const excluded = new Set(internals.direct);
    for (const peer of excludePeers ?? []) excluded.add(peer);
    forward(msgIdStr, rawMsg, propagationSource, excluded);
  };
}

/** The yamux stream fields `sendWindowUpdateAtHalf` reads (private in its typings). */
interface YamuxStreamWindow {
  state: StreamState;
  recvWindow: number;
  recvWindowCapacity: number;
}

let yamuxWindowUpdatesHalved = false;

/**
 * @chainsafe/libp2p-yamux 8 answers every received data frame with a window update frame (its own
 * noise message and socket write on the sender's side, a decrypt and decode on the other), so each
 * gossip message cost two frames. Go's yamux (and the spec's intent) sends one only once half of the
 * receive window is used: the sender still always has at least half a window (≥ 128 KiB) to send
 * into, and a sender that exhausts it is answered as soon as the data arrives. Frames that carry
 * stream flags (SYN/ACK) and paused streams keep the library's behaviour. Wire format unchanged.
 */
function sendYamuxWindowUpdatesAtHalf(): void {
  if (yamuxWindowUpdatesHalved) return;
  yamuxWindowUpdatesHalved = true;
  const prototype = YamuxStream.prototype as unknown as { sendWindowUpdate(): void };
  const update = prototype.sendWindowUpdate;
  prototype.sendWindowUpdate = function (this: YamuxStreamWindow) {
    if (this.state === StreamState.Established && this.recvWindowCapacity * 2 > this.recvWindow) return;
    update.call(this);
  };
}

/**
 * gossipsub 1.2 tells the peers that would forward a large message (≥ 512 B) to it that it has it
 * already (IDONTWANT), but only its mesh peers, and validators are each other's direct peers, outside
 * the mesh. So every validator forwarded every tx batch and block part to every other validator,
 * which had it from its author already: in a 4-validator devnet profile forwarding took more main
 * thread than publishing (docs/PERFORMANCE.md, Devnet). Direct peers are told too, for a message that came
 * from a mesh peer (a full node's tx batch). It never keeps a message from anyone: a peer says IDONTWANT
 * only for a message it holds.
 */
function sendIDontWantsToDirectPeers(pubsub: GossipSub): void {
  const internals = pubsub as unknown as GossipsubInternals;
  const meshOnly = internals.sendIDontWants.bind(pubsub);
  internals.sendIDontWants = (msgId, topic, source) => {
    meshOnly(msgId, topic, source);
    // From a validator: the others had it from the same sender and, as no validator forwards to
    // another (skipForwardingAmongDirectPeers), would not send it here; telling them costs each side a
    // control message per gossip message for nothing (about half a validator's CPU per gossiped tx).
    if (internals.direct.has(source)) return;
    const subscribed = internals.topics.get(topic);
    const mesh = internals.mesh.get(topic);
    const peers = new Set<string>();
    for (const peer of internals.direct)
      if (peer !== source && subscribed?.has(peer) === true && mesh?.has(peer) !== true) peers.add(peer);
    if (peers.size === 0) return;
    internals.sendRpcInBatch(peers, {
      subscriptions: [],
      messages: [],
      control: { graft: [], prune: [], ihave: [], iwant: [], idontwant: [{ messageIDs: [msgId] }] },
    });
  };
}

export class P2PHost {
  readonly #libp2p: Libp2p<Services>;
  readonly #options: P2PHostOptions;
  readonly #redial = new Map<string, { delayMs: number; timer: NodeJS.Timeout | undefined }>();
  #stopped = false;
  #validatorPeers: ReadonlySet<string> | undefined;

  private constructor(libp2p: Libp2p<Services>, options: P2PHostOptions) {
    this.#libp2p = libp2p;
    this.#options = options;
  }

  static async create(options: P2PHostOptions): Promise<P2PHost> {
    sendYamuxWindowUpdatesAtHalf();
    const privateKey = await generateKeyPairFromSeed("Ed25519", options.nodeKeySeed);
    const directPeers = options.persistentPeers
      .filter((peer) => options.validatorPeerIds.has(peer.peerId))
      .map((peer) => ({ id: peerIdFromString(peer.peerId), addrs: [peer.address] }));
    const libp2p = await createLibp2p({
      privateKey,
      addresses: { listen: [listenMultiaddr(options.laddr)] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionMonitor: {
        pingInterval: PING_INTERVAL_MS,
        pingTimeout: { maxTimeout: PING_TIMEOUT_MAX_MS },
        abortConnectionOnPingFailure: false,
      },
      services: {
        identify: identify(),
        ping: ping(),
        pubsub: gossipsub({
          globalSignaturePolicy: StrictNoSign,
          allowPublishToZeroTopicPeers: true,
          ignoreDuplicatePublishError: true,
          emitSelf: false,
          directPeers,
          // One RPC frame may carry a maximal message plus control data.
          maxInboundDataLength: MAX_GOSSIP_MESSAGE_BYTES + 1024 * 1024,
          maxOutboundBufferSize: 8 * (MAX_GOSSIP_MESSAGE_BYTES + 1024 * 1024),
        }),
      },
    });
    sendIDontWantsToDirectPeers(libp2p.services.pubsub);
    skipForwardingAmongDirectPeers(libp2p.services.pubsub);
    const host = new P2PHost(libp2p, options);
    libp2p.addEventListener("peer:disconnect", (event) => host.#onDisconnect(event.detail));
    return host;
  }

  get peerId(): string {
    return this.#libp2p.peerId.toString();
  }

  get listenAddresses(): string[] {
    return this.#libp2p.getMultiaddrs().map((address) => address.toString());
  }

  async start(): Promise<void> {
    await this.#libp2p.start();
    for (const peer of this.#options.persistentPeers) {
      if (peer.peerId === this.peerId) continue;
      this.#redial.set(peer.peerId, { delayMs: REDIAL_MIN_MS, timer: undefined });
      this.#dial(peer);
    }
    this.#options.logger.info({ peerId: this.peerId, listen: this.listenAddresses }, "p2p host started");
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const entry of this.#redial.values()) clearTimeout(entry.timer);
    await this.#libp2p.stop();
  }

  /** Replaces the validators' peer ids kept as gossipsub direct peers (always forwarded to): the node
   * ids of the poa module's validator records, re-read when the validator set changes. Ids that do
   * not parse as libp2p peer ids are skipped. Returns the ids now in use. */
  setValidatorPeers(ids: Iterable<string>): string[] {
    // The implementation's public `direct` set (not on the GossipSub interface): gossipsub reads it on
    // every publish and heartbeat, so changing it takes effect at once.
    const direct = (this.#libp2p.services.pubsub as unknown as { direct: Set<string> }).direct;
    const next = new Set<string>();
    for (const id of ids) {
      if (id === this.peerId) continue;
      try {
        next.add(peerIdFromString(id).toString());
      } catch {
        // not a libp2p id (e.g. a CometBFT hex node id): cannot be a gossipsub peer
      }
    }
    for (const id of [...direct]) if (!next.has(id)) direct.delete(id);
    for (const id of next) direct.add(id);
    this.#validatorPeers = next;
    return [...next];
  }

  /** Whether `peerId` is one of the validators' peer ids (validator_peers or the poa records). */
  isValidatorPeer(peerId: string): boolean {
    return (this.#validatorPeers ?? this.#options.validatorPeerIds).has(peerId);
  }

  /** Subscribes to `topic`; `validate` runs before a message spreads and delivers what it accepts. */
  subscribe(topic: string, validate: (data: Uint8Array, from: string) => Verdict | Promise<Verdict>): void {
    const pubsub = this.#libp2p.services.pubsub;
    pubsub.topicValidators.set(
      topic,
      async (from: PeerId, message) => VERDICTS[await validate(message.data, from.toString())],
    );
    pubsub.subscribe(topic);
  }

  publish(topic: string, data: Uint8Array): void {
    if (this.#stopped) return;
    this.#libp2p.services.pubsub.publish(topic, data).catch((error: unknown) => {
      this.#options.metrics.publishErrors++;
      this.#options.logger.warn({ err: error, topic }, "gossip publish failed");
    });
  }

  /** Serves a request/response protocol: one length-prefixed request, one length-prefixed response. */
  async handle(
    protocol: string,
    maxFrameBytes: number,
    maxInboundStreams: number,
    respond: (request: Uint8Array, from: string) => Promise<Uint8Array>,
  ): Promise<void> {
    await this.#libp2p.handle(
      protocol,
      async (stream: Stream, connection) => {
        try {
          const framed = lpStream(stream, { maxDataLength: maxFrameBytes });
          const request = await framed.read({ signal: AbortSignal.timeout(10_000) });
          const response = await respond(request.subarray(), connection.remotePeer.toString());
          await framed.write(response, { signal: AbortSignal.timeout(30_000) });
          await stream.close();
        } catch (error) {
          stream.abort(error as Error);
        }
      },
      { maxInboundStreams },
    );
  }

  async request(
    peer: string,
    protocol: string,
    request: Uint8Array,
    maxFrameBytes: number,
    signal: AbortSignal,
  ): Promise<Uint8Array> {
    const stream = await this.#libp2p.dialProtocol(peerIdFromString(peer), protocol, { signal });
    try {
      const framed = lpStream(stream, { maxDataLength: maxFrameBytes });
      await framed.write(request, { signal });
      const response = await framed.read({ signal });
      await stream.close().catch(() => {});
      return response.subarray();
    } catch (error) {
      stream.abort(error as Error);
      throw error;
    }
  }

  /** Connected peers (one entry per peer). */
  peers(): { nodeId: string; remoteIp: string; address: string }[] {
    const seen = new Map<string, { nodeId: string; remoteIp: string; address: string }>();
    for (const connection of this.#libp2p.getConnections()) {
      const nodeId = connection.remotePeer.toString();
      if (seen.has(nodeId)) continue;
      const address = connection.remoteAddr.toString();
      const ip = /^\/ip[46]\/([^/]+)/.exec(address)?.[1] ?? "";
      seen.set(nodeId, { nodeId, remoteIp: ip, address });
    }
    return [...seen.values()];
  }

  /** Peers subscribed to a topic (those that speak our chain). */
  subscribers(topic: string): string[] {
    return this.#libp2p.services.pubsub.getSubscribers(topic).map((peer) => peer.toString());
  }

  #onDisconnect(peer: PeerId): void {
    const entry = this.#redial.get(peer.toString());
    if (entry === undefined || this.#stopped) return;
    const address = this.#options.persistentPeers.find((p) => p.peerId === peer.toString());
    if (address !== undefined) this.#schedule(address, entry);
  }

  #dial(peer: PeerAddress): void {
    const entry = this.#redial.get(peer.peerId);
    if (entry === undefined || this.#stopped) return;
    entry.timer = undefined;
    this.#options.metrics.dials++;
    const target = peer.address.encapsulate(`/p2p/${peer.peerId}`);
    this.#libp2p.dial(target, { signal: AbortSignal.timeout(10_000) }).then(
      () => {
        entry.delayMs = REDIAL_MIN_MS;
      },
      () => {
        this.#options.metrics.dialFailures++;
        this.#schedule(peer, entry);
      },
    );
  }

  #schedule(peer: PeerAddress, entry: { delayMs: number; timer: NodeJS.Timeout | undefined }): void {
    if (this.#stopped || entry.timer !== undefined) return;
    const delay = entry.delayMs;
    entry.delayMs = Math.min(REDIAL_MAX_MS, entry.delayMs * 2);
    entry.timer = setTimeout(() => this.#dial(peer), delay);
  }
}
