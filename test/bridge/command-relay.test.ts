// The consumer command relay between validators' bridges (bridge-mqtt/commands/command-relay.ts):
// two relays on an in-memory gossip bus (the P2PHost surface they use: subscribe with a validator,
// publish). A validator's signed command is delivered once; a non-validator's, a tampered one,
// another chain's, a stale one, an oversized or truncated one are rejected and delivered nowhere.
import { randomBytes } from "node:crypto";
import test from "ava";
import type { BridgeNetwork } from "../../bridge-mqtt/bridge.ts";
import {
  CommandRelay,
  MAX_RELAYED_COMMAND_AGE_MS,
  type RelayedCommand,
} from "../../bridge-mqtt/commands/command-relay.ts";
import { peerIdOfNodeKey, type Verdict } from "../../chain/p2p/host.ts";

const TOPIC = "/sensorchain/test-1/consumer-commands/1";
const silent = { info() {}, warn() {}, error() {} };

/** Messages published on the bus, and each subscriber's validator. */
class Bus {
  readonly published: Uint8Array[] = [];
  readonly validators: ((data: Uint8Array) => Verdict | Promise<Verdict>)[] = [];
  host() {
    return {
      subscribe: (_topic: string, validate: (data: Uint8Array, from: string) => Verdict | Promise<Verdict>) =>
        void this.validators.push((data) => validate(data, "peer")),
      publish: (_topic: string, data: Uint8Array) => void this.published.push(data),
    };
  }
}

async function relayOn(bus: Bus, validators: Set<string>, chainId = "test-1", now = Date.now) {
  const seed = new Uint8Array(randomBytes(32));
  const delivered: RelayedCommand[] = [];
  const network = {
    host: bus.host(),
    nodeKeySeed: seed,
    isValidatorPeer: (peerId: string) => validators.has(peerId),
  } as unknown as BridgeNetwork;
  const relay = new CommandRelay({
    network,
    topic: TOPIC,
    chainId,
    now,
    logger: silent,
    deliver: async (command) => void delivered.push(command),
  });
  return { relay, delivered, peerId: await peerIdOfNodeKey(seed) };
}

const command = (tsMs = Date.now()): RelayedCommand => ({
  deviceId: "D035_0001",
  from: "sensor1consumer",
  payload: new TextEncoder().encode("open-valve"),
  tsMs,
});

test("a validator's command is delivered once; forged, foreign, stale and malformed ones are rejected", async (t) => {
  const validators = new Set<string>();
  const bus = new Bus();
  const sender = await relayOn(bus, validators);
  validators.add(sender.peerId);
  const receiver = await relayOn(bus, validators);
  const receive = (data: Uint8Array) => bus.validators[1]!(data);

  sender.relay.send(command());
  const [signed] = bus.published;
  t.is(await receive(signed!), "accept");
  t.is(receiver.delivered.length, 1);
  t.like(receiver.delivered[0], { deviceId: "D035_0001", from: "sensor1consumer" });
  t.deepEqual(receiver.delivered[0]!.payload, new TextEncoder().encode("open-valve"));
  t.is(await receive(signed!), "ignore", "the same message again");

  // Tampered body (the payload changed after signing).
  const tampered = Uint8Array.from(signed!);
  tampered[tampered.length - 5] = tampered[tampered.length - 5]! ^ 1;
  t.is(await receive(tampered), "reject");
  // Signed by a node that is not a validator.
  const outsider = await relayOn(bus, validators);
  outsider.relay.send(command());
  t.is(await receive(bus.published.at(-1)!), "reject");
  // Another chain's relay, signed by a validator.
  const foreign = await relayOn(bus, validators, "other-1");
  validators.add(foreign.peerId);
  foreign.relay.send(command());
  t.is(await receive(bus.published.at(-1)!), "reject");
  // Stale, and too far ahead.
  sender.relay.send(command(Date.now() - MAX_RELAYED_COMMAND_AGE_MS - 1_000));
  t.is(await receive(bus.published.at(-1)!), "reject");
  sender.relay.send(command(Date.now() + MAX_RELAYED_COMMAND_AGE_MS + 1_000));
  t.is(await receive(bus.published.at(-1)!), "reject");
  // Truncated and oversized.
  t.is(await receive(signed!.subarray(0, 90)), "reject");
  t.is(await receive(new Uint8Array(2_000)), "reject");
  t.is(receiver.delivered.length, 1);
  t.like(receiver.relay.counters, { delivered: 1, duplicates: 1, rejected: 7 });

  // After stop nothing more is sent or delivered.
  receiver.relay.stop();
  sender.relay.send(command());
  t.is(await receive(bus.published.at(-1)!), "ignore");
});
