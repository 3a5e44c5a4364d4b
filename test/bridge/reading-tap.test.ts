// The reading tap (bridge-mqtt/reading-tap.ts): a logged-in device's QoS 1 readings taken from its
// stream in any chunking, every other packet left to aedes byte for byte and in order, PUBACKs
// written as mqtt-packet would, the per-connection in-flight bound; and against the embedded broker
// (registry answered from memory), readings acknowledged and stored through the tap, and a device
// that only publishes kept past its keepalive.
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex } from "node:stream";
import test from "ava";
import { ClassicLevel } from "classic-level";
import mqttPacket from "mqtt-packet";
import { startBridge } from "../../bridge-mqtt/bridge.ts";
import { readingKey } from "../../bridge-mqtt/reading-store.ts";
import {
  MAX_READINGS_IN_FLIGHT_PER_CONNECTION,
  TapGate,
  tapReadings,
} from "../../bridge-mqtt/reading-tap.ts";
import { readingsTopic } from "../../bridge-mqtt/topics.ts";
import type { HomePaths } from "../../chain/config/home.ts";
import { defaultConfigDocument, parseConfigDocument } from "../../chain/config/schema.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { pb } from "../../modules/device/codec.ts";
import { connectFrame } from "../../scripts/bench/device-load.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";

const DEVICE = "D035_0001";
const publish = (topic: string, qos: 0 | 1 | 2, messageId: number, payload: Buffer) =>
  mqttPacket.generate({ cmd: "publish", topic, payload, qos, messageId, retain: false, dup: false });
const puback = (messageId: number) => mqttPacket.generate({ cmd: "puback", messageId });

/** A stream as a socket is to aedes: pushed chunks are what it reads, writes are kept. */
function fakeSocket(): { stream: Duplex; written: Buffer[]; reads: { count: number } } {
  const written: Buffer[] = [];
  const reads = { count: 0 };
  const stream = new Duplex({
    read() {
      reads.count++;
    },
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
  });
  return { stream, written, reads };
}

function readAll(stream: Duplex): Buffer {
  const parts: Buffer[] = [];
  for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

test("readings are taken in any chunking; everything else reaches the reader unchanged and in order", (t) => {
  const topic = readingsTopic(DEVICE);
  const readings = [1, 2, 3].map((id) => Buffer.alloc(100 + id, id));
  const others = [
    Buffer.from([0xc0, 0x00]), // PINGREQ
    publish(topic, 0, 0, Buffer.from("qos 0")),
    publish(readingsTopic("D035_0002"), 1, 9, Buffer.from("another device's topic")),
    publish(topic, 2, 10, Buffer.from("qos 2")),
    mqttPacket.generate({ cmd: "subscribe", messageId: 11, subscriptions: [{ topic: "x", qos: 0 }] }),
  ];
  const stream = Buffer.concat([
    others[0]!,
    publish(topic, 1, 1, readings[0]!),
    others[1]!,
    others[2]!,
    publish(topic, 1, 2, readings[1]!),
    publish(topic, 1, 3, readings[2]!),
    others[3]!,
    others[4]!,
  ]);
  for (const size of [1, 2, 5, 64, stream.length]) {
    const { stream: socket, written } = fakeSocket();
    const tap = tapReadings(socket);
    const taken: Buffer[] = [];
    tap.start(
      topic,
      (payload, done) => {
        taken.push(Buffer.from(payload));
        done();
      },
      () => t.fail("no reading fails here"),
    );
    for (let offset = 0; offset < stream.length; offset += size)
      socket.push(stream.subarray(offset, offset + size));
    t.deepEqual(taken, readings, `chunks of ${size}`);
    t.deepEqual(readAll(socket), Buffer.concat(others), `chunks of ${size}`);
    t.deepEqual(Buffer.concat(written), Buffer.concat([1, 2, 3].map(puback)), `chunks of ${size}`);
    t.is(tap.inFlight, 0);
  }
});

test("before start everything reaches the reader; a failed reading gets no PUBACK", (t) => {
  const { stream: socket, written } = fakeSocket();
  const tap = tapReadings(socket);
  const frame = publish(readingsTopic(DEVICE), 1, 7, Buffer.from("reading"));
  socket.push(frame);
  t.deepEqual(readAll(socket), frame);
  const failures: Error[] = [];
  tap.start(
    readingsTopic(DEVICE),
    (_payload, done) => done(new Error("storage failed")),
    (e) => failures.push(e),
  );
  socket.push(frame);
  t.is(readAll(socket).length, 0);
  t.is(written.length, 0);
  t.deepEqual(
    failures.map((e) => e.message),
    ["storage failed"],
  );
});

test("PUBACKs go out in the order the readings came, whichever is done first (MQTT 3.1.1 §4.6)", (t) => {
  const { stream: socket, written } = fakeSocket();
  const tap = tapReadings(socket);
  const pending = new Map<number, () => void>();
  let taken = 0;
  tap.start(
    readingsTopic(DEVICE),
    (_payload, done) => pending.set(++taken, done),
    () => t.fail("no reading fails here"),
  );
  socket.push(
    Buffer.concat([1, 2, 3, 4, 5].map((id) => publish(readingsTopic(DEVICE), 1, id, Buffer.from("r")))),
  );
  pending.get(3)!();
  pending.get(2)!();
  t.is(written.length, 0, "reading 1 is not done: nothing may pass its PUBACK");
  pending.get(5)!();
  pending.get(1)!();
  t.deepEqual(Buffer.concat(written), Buffer.concat([1, 2, 3].map(puback)));
  pending.get(4)!();
  t.deepEqual(Buffer.concat(written), Buffer.concat([1, 2, 3, 4, 5].map(puback)));
  t.is(tap.inFlight, 0);
});

test("past the in-flight bound the socket stops reading until a PUBACK goes out", (t) => {
  const { stream: socket, written, reads } = fakeSocket();
  const tap = tapReadings(socket);
  const pending: (() => void)[] = [];
  tap.start(
    readingsTopic(DEVICE),
    (_payload, done) => pending.push(done),
    () => t.fail(),
  );
  socket.read(0); // as a socket is after its first read: a read in progress
  const frames = Array.from({ length: MAX_READINGS_IN_FLIGHT_PER_CONNECTION }, (_, i) =>
    publish(readingsTopic(DEVICE), 1, i + 1, Buffer.from("r")),
  );
  t.true(socket.push(Buffer.concat(frames.slice(0, -1))));
  t.false(socket.push(frames.at(-1)!), "the bound is reached: stop reading");
  const readsBefore = reads.count;
  const half = MAX_READINGS_IN_FLIGHT_PER_CONNECTION / 2;
  for (let i = 0; i < half - 1; i++) pending.shift()!();
  t.is(written.length, half - 1);
  t.is(reads.count, readsBefore, "not at the first PUBACKs: each stop and start is a syscall");
  pending.shift()!();
  t.true(reads.count > readsBefore, "reading starts again at half the bound");
});

test("past the shared bound every tap stops reading until the pipeline has room again", (t) => {
  const gate = new TapGate(3);
  const a = fakeSocket();
  const b = fakeSocket();
  const pending: (() => void)[] = [];
  for (const { stream } of [a, b]) {
    tapReadings(stream, gate).start(
      readingsTopic(DEVICE),
      (_payload, done) => pending.push(done),
      () => t.fail(),
    );
    stream.read(0); // as a socket is after its first read: a read in progress
  }
  const frame = (id: number) => publish(readingsTopic(DEVICE), 1, id, Buffer.from("r"));
  t.true(a.stream.push(Buffer.concat([frame(1), frame(2)])));
  t.false(b.stream.push(frame(3)), "the third reading fills the gate");
  t.is(gate.inFlight, 3);
  const readsBefore = b.reads.count;
  pending.shift()!();
  t.is(gate.inFlight, 2);
  t.is(b.reads.count, readsBefore, "still above half the bound");
  pending.shift()!();
  t.is(gate.inFlight, 1);
  t.true(b.reads.count > readsBefore, "the waiting tap reads again");
  t.is(a.written.length, 2);
});

test("through the broker: readings are stored and acknowledged by the tap, and publishing keeps the keepalive; a login starts the verify thread", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-reading-tap-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "chain.db"), DB_OPTIONS);
  await db.open();
  const key = ed25519Key();
  const record = pb.QueryDeviceResponse.encode({
    device: {
      id: DEVICE,
      owner: "sensor1test",
      publicKey: { type: pb.KeyType.KEY_TYPE_ED25519, key: key.publicKey },
      status: pb.DeviceStatus.DEVICE_STATUS_ACTIVE,
    },
  }).finish();
  const bridge = await startBridge({
    db,
    config: { ...parseConfigDocument(defaultConfigDocument("test"), {} as HomePaths).mqtt, verifyWorkers: 1 },
    home: dir,
    chainId: "tap-test",
    listen: { host: "127.0.0.1", port: 0 },
    logger: { info() {}, warn() {}, error() {} },
    query: async () => ({ code: 0, value: record }),
  });
  const login = async (keepaliveSeconds: number) => {
    const socket = connect({ port: bridge.port, host: "127.0.0.1" });
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(connectFrame("tap-test", DEVICE, key.sign, keepaliveSeconds));
    await until(() => Buffer.concat(received).length >= 4);
    t.deepEqual(
      Buffer.concat(received).subarray(0, 4),
      Buffer.from([0x20, 0x02, 0x00, 0x00]),
      "CONNACK accepted",
    );
    received.length = 0;
    return { socket, received, closed };
  };
  try {
    t.is(bridge.verifier.stats().threads, 0, "no thread before a device logs in");
    // Keepalive 1 s: aedes cuts a silent connection after 1.5 s; one publishing every 300 ms stays.
    const silent = await login(1);
    t.is(bridge.verifier.stats().threads, 1, "the login started the thread, before any reading");
    const device = await login(1);
    let sequence = 0n;
    const started = Date.now();
    while (Date.now() - started < 2_500) {
      sequence++;
      const { payload } = signedReading(key, { deviceId: DEVICE, sequence });
      device.socket.write(publish(readingsTopic(DEVICE), 1, Number(sequence), Buffer.from(payload)));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await until(() => Buffer.concat(device.received).length >= 4 * Number(sequence));
    t.deepEqual(
      Buffer.concat(device.received),
      Buffer.concat(Array.from({ length: Number(sequence) }, (_, i) => puback(i + 1))),
    );
    t.true(silent.socket.destroyed, "the silent device was cut at its keepalive");
    t.false(device.socket.destroyed, "the publishing device is still connected");
    for (let s = 1n; s <= sequence; s++)
      t.truthy(await db.get(readingKey(DEVICE, s), { valueEncoding: "view" }));
    t.is(bridge.counters.accepted, Number(sequence));
    device.socket.destroy();
  } finally {
    await bridge.stop();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
