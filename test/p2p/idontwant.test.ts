// IDONTWANT to direct peers (chain/p2p/host.ts, sendIDontWantsToDirectPeers): validators are each
// other's gossipsub direct peers, outside the mesh, and gossipsub 1.2 tells only mesh peers that it
// holds a large message. Real P2PHosts (P2PHost.create, as the node builds them: TCP, noise, yamux,
// gossipsub, validators as direct peers) on 127.0.0.1; gossipsub's own methods are wrapped, in this
// test process only, to count per host the copies of each message it receives, the copies it sends
// and the IDONTWANTs it gets. A validator's message is forwarded to no other validator
// (skipForwardingAmongDirectPeers), so none says IDONTWANT for it. For a full node's message every
// host's validation waits (bounded) until the other validators that received it have said IDONTWANT:
// a node's validation (signatures, decoding) takes longer than that hop, which is what the patch
// relies on. Then no validator receives a large message twice and none forwards one to a validator
// that has it; without the patch each would.
import { createHash, randomBytes } from "node:crypto";
import test, { type ExecutionContext } from "ava";
import { P2PHost, peerIdOfNodeKey, type Verdict } from "../../chain/p2p/host.ts";
import { createP2PMetrics } from "../../chain/p2p/metrics.ts";
import { parsePeerAddress } from "../../chain/p2p/peers.ts";
import { freePort } from "../helpers/node-process.ts";

const TOPIC = "sensorchain-idontwant-test/v1/parts";
/** Messages the author publishes, and their size: above gossipsub's 512-byte IDONTWANT threshold,
 * as tx batches and block parts are. */
const MESSAGES = 8;
const MESSAGE_BYTES = 16 * 1024;
/** Longest a validation waits for the other validators' IDONTWANTs, ms; past it the host forwards as
 * gossipsub would without them (so a missing IDONTWANT shows as a duplicate, not a hang). */
const IDONTWANT_WAIT_MS = 10_000;
/** Longest the hosts may take to connect and exchange subscriptions, ms (a loaded 2-core machine). */
const READY_MS = 60_000;
const TAG = Buffer.from("idontwant-test:");
const MARKER = Buffer.from("marker:");

const silent = { info: () => {}, warn: () => {} };
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
/** gossipsub's message id under StrictNoSign: sha256 of the data. */
const messageIdOf = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** What one host's gossipsub did, counted by the wrappers below. */
interface HostCounts {
  /** Copies received of each test message (by message id), duplicates included. */
  received: Map<string, number>;
  /** Copies of test messages sent, by receiving peer (the author's publishes, anyone's forwards). */
  sent: Map<string, number>;
  /** IDONTWANT message ids received, by sending peer. */
  idontwantFrom: Map<string, Set<string>>;
  /** Called after each IDONTWANT is handled (validations waiting for one). */
  onIDontWant: Set<() => void>;
}

const counts = new Map<string, HostCounts>();
function countsOf(peerId: string): HostCounts {
  let entry = counts.get(peerId);
  if (entry === undefined) {
    entry = { received: new Map(), sent: new Map(), idontwantFrom: new Map(), onIDontWant: new Set() };
    counts.set(peerId, entry);
  }
  return entry;
}

type RpcMessage = { data?: Uint8Array; topic: string };
interface GossipSubPrototype {
  handleReceivedMessage(this: Instance, from: { toString(): string }, message: RpcMessage): Promise<void>;
  handleIdontwant(this: Instance, id: string, idontwant: { messageIDs: Uint8Array[] }[]): void;
  sendRpc(this: Instance, id: string, rpc: { messages?: RpcMessage[] }): boolean;
}
type Instance = { components: { peerId: { toString(): string } } };

const isTestMessage = (data: Uint8Array | undefined) =>
  data !== undefined && Buffer.from(data.subarray(0, TAG.length)).equals(TAG);

/** Wraps gossipsub's receive, IDONTWANT and send paths to count them (this test process only). The
 * class is not exported by the package: it is the module its index imports, loaded by file URL. */
async function instrumentGossipsub(): Promise<() => void> {
  const url = new URL("./gossipsub.js", import.meta.resolve("@libp2p/gossipsub"));
  const { GossipSub } = (await import(url.href)) as { GossipSub: { prototype: GossipSubPrototype } };
  const prototype = GossipSub.prototype;
  // Class methods are not enumerable: taken one by one.
  const original: GossipSubPrototype = {
    handleReceivedMessage: prototype.handleReceivedMessage,
    handleIdontwant: prototype.handleIdontwant,
    sendRpc: prototype.sendRpc,
  };
  const own = (self: Instance) => countsOf(self.components.peerId.toString());
  prototype.handleReceivedMessage = function (from, message) {
    if (isTestMessage(message.data)) {
      const received = own(this).received;
      const id = messageIdOf(message.data!);
      received.set(id, (received.get(id) ?? 0) + 1);
    }
    return original.handleReceivedMessage.call(this, from, message);
  };
  prototype.handleIdontwant = function (id, idontwant) {
    original.handleIdontwant.call(this, id, idontwant);
    const mine = own(this);
    const from = mine.idontwantFrom.get(id) ?? new Set<string>();
    mine.idontwantFrom.set(id, from);
    for (const { messageIDs } of idontwant) for (const messageId of messageIDs) from.add(hex(messageId));
    for (const listener of mine.onIDontWant) listener();
  };
  prototype.sendRpc = function (id, rpc) {
    const copies = rpc.messages?.filter((message) => isTestMessage(message.data)).length ?? 0;
    if (copies > 0) own(this).sent.set(id, (own(this).sent.get(id) ?? 0) + copies);
    return original.sendRpc.call(this, id, rpc);
  };
  return () => {
    Object.assign(prototype, original);
  };
}

/** Resolves once every peer in `peers` has said IDONTWANT for `messageId` to `self`, or after
 * IDONTWANT_WAIT_MS. */
function idontwantsFrom(self: string, peers: string[], messageId: string): Promise<void> {
  const mine = countsOf(self);
  const done = () => peers.every((peer) => mine.idontwantFrom.get(peer)?.has(messageId) === true);
  if (done()) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      mine.onIDontWant.delete(check);
      resolve();
    };
    const check = () => {
      if (done()) finish();
    };
    const timer = setTimeout(finish, IDONTWANT_WAIT_MS);
    mine.onIDontWant.add(check);
  });
}

interface TestHost {
  name: string;
  peerId: string;
  host: P2PHost;
  /** Test messages and markers delivered (accepted by its validation), by message id. */
  delivered: Set<string>;
  waitDelivered(ids: readonly string[]): Promise<void>;
}

interface HostSpec {
  name: string;
  seed: Uint8Array;
  peerId: string;
  port: number;
}

async function specOf(name: string): Promise<HostSpec> {
  const seed = new Uint8Array(randomBytes(32));
  return { name, seed, peerId: await peerIdOfNodeKey(seed), port: await freePort() };
}

/** Starts `specs` as P2PHosts: each dials `dials` of its own, `validators` are everyone's direct peers. */
async function startHosts(
  t: ExecutionContext,
  specs: HostSpec[],
  dials: Record<string, string[]>,
  validators: Set<string>,
): Promise<TestHost[]> {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const hosts: TestHost[] = [];
  for (const spec of specs) {
    const host = await P2PHost.create({
      nodeKeySeed: spec.seed,
      laddr: `tcp://127.0.0.1:${spec.port}`,
      persistentPeers: (dials[spec.name] ?? []).map((name) => {
        const peer = byName.get(name)!;
        return parsePeerAddress(`${peer.peerId}@/ip4/127.0.0.1/tcp/${peer.port}`);
      }),
      validatorPeerIds: validators,
      metrics: createP2PMetrics(),
      logger: silent,
    });
    t.teardown(() => host.stop());
    const delivered = new Set<string>();
    const waiters = new Set<() => void>();
    const validate = async (data: Uint8Array, from: string): Promise<Verdict> => {
      const id = messageIdOf(data);
      // The other validators that had it first hand: the author sent it to every direct peer. A message
      // from a validator is not forwarded among validators, so nobody says IDONTWANT for it.
      if (isTestMessage(data) && !validators.has(from)) {
        const others = [...validators].filter((peer) => peer !== spec.peerId && peer !== from);
        await idontwantsFrom(spec.peerId, others, id);
      }
      delivered.add(id);
      for (const waiter of waiters) waiter();
      return "accept";
    };
    host.subscribe(TOPIC, validate);
    hosts.push({
      name: spec.name,
      peerId: spec.peerId,
      host,
      delivered,
      waitDelivered: (ids) =>
        new Promise((resolve) => {
          const check = () => {
            if (!ids.every((id) => delivered.has(id))) return;
            waiters.delete(check);
            resolve();
          };
          waiters.add(check);
          check();
        }),
    });
  }
  for (const { host } of hosts) await host.start();
  // Ready when every host knows every other one subscribes (each side's outbound stream is open).
  const deadline = Date.now() + READY_MS;
  while (
    !hosts.every(({ host, peerId }) =>
      hosts.every((other) => other.peerId === peerId || host.subscribers(TOPIC).includes(other.peerId)),
    )
  ) {
    if (Date.now() > deadline) throw new Error("the hosts did not exchange subscriptions");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return hosts;
}

/** `author` publishes MESSAGES large messages; every other host delivers them. Then each other host
 * publishes a small marker every host delivers: it travels behind anything the host forwarded on the
 * same stream, so a late duplicate would have been counted by then. Returns the message ids. */
async function publishAndSettle(author: TestHost, others: TestHost[]): Promise<string[]> {
  const messages = Array.from({ length: MESSAGES }, () =>
    Buffer.concat([TAG, randomBytes(MESSAGE_BYTES - TAG.length)]),
  );
  const ids = messages.map(messageIdOf);
  for (const message of messages) author.host.publish(TOPIC, message);
  await Promise.all(others.map((host) => host.waitDelivered(ids)));
  // gossipsub forwards in the microtasks after a validation resolves: let them run first.
  await new Promise((resolve) => setImmediate(resolve));
  const markers = others.map((host) => {
    const marker = Buffer.concat([MARKER, Buffer.from(host.peerId)]);
    host.host.publish(TOPIC, marker);
    return messageIdOf(marker);
  });
  await Promise.all(
    [author, ...others].map((host) => host.waitDelivered(markers.filter((_, i) => others[i] !== host))),
  );
  return ids;
}

/** `idontwants`: whether each validator must have told the others IDONTWANT for every message (a
 * message from a mesh peer, which validators forward to each other otherwise), or must have told them
 * nothing (a message from a validator, which no validator forwards to another). */
function assertNoDuplicates(
  t: ExecutionContext,
  author: TestHost,
  validators: TestHost[],
  ids: string[],
  idontwants: "every message" | "none",
) {
  for (const host of validators) {
    const mine = countsOf(host.peerId);
    for (const id of ids)
      t.is(mine.received.get(id), 1, `${host.name} received message ${id.slice(0, 8)} once`);
    for (const other of validators)
      if (other !== host) {
        t.is(mine.sent.get(other.peerId) ?? 0, 0, `${host.name} forwarded nothing to ${other.name}`);
        const told = [...(mine.idontwantFrom.get(other.peerId) ?? [])];
        if (idontwants === "every message")
          t.true(
            ids.every((id) => told.includes(id)),
            `${other.name} said IDONTWANT to ${host.name} for every message`,
          );
        else
          t.false(
            ids.some((id) => told.includes(id)),
            `${other.name} said no IDONTWANT to ${host.name} for a validator's message`,
          );
      }
  }
  t.is(countsOf(author.peerId).received.size, 0, `${author.name} got none of its messages back`);
  for (const host of validators)
    t.is(
      countsOf(author.peerId).sent.get(host.peerId),
      MESSAGES,
      `${author.name} sent each to ${host.name} once`,
    );
}

let restore: (() => void) | undefined;
test.before(async () => {
  restore = await instrumentGossipsub();
});
test.after.always(() => {
  restore?.();
});

test.serial(
  "three validators, direct peers: a large message reaches each once, none is forwarded, no IDONTWANT is spent",
  async (t) => {
    t.timeout(120_000);
    const specs = await Promise.all(["a", "b", "c"].map(specOf));
    const validators = new Set(specs.map((spec) => spec.peerId));
    const [a, b, c] = await startHosts(t, specs, { a: ["b", "c"], b: ["a", "c"], c: ["a", "b"] }, validators);
    const ids = await publishAndSettle(a!, [b!, c!]);
    assertNoDuplicates(t, a!, [b!, c!], ids, "none");
  },
);

test.serial(
  "a full node's large message: its two validator peers do not send it to each other",
  async (t) => {
    // The author is not a validator (a tx batch from a full node): it reaches the validators through
    // the mesh, and each validator's IDONTWANT to the other (a direct peer) comes only from the patch.
    t.timeout(120_000);
    const specs = await Promise.all(["full", "v1", "v2"].map(specOf));
    const validators = new Set([specs[1]!.peerId, specs[2]!.peerId]);
    const [full, v1, v2] = await startHosts(
      t,
      specs,
      { full: ["v1", "v2"], v1: ["v2"], v2: ["v1"] },
      validators,
    );
    const ids = await publishAndSettle(full!, [v1!, v2!]);
    assertNoDuplicates(t, full!, [v1!, v2!], ids, "every message");
  },
);
