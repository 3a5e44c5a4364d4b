// MQTT packet size cap (bridge-mqtt/packet-limit.ts): the frame scanner over split and joined
// chunks, and the embedded broker cutting a raw TCP client that announces an oversized packet
// before it has sent the body, while packets under the limit still reach aedes.
import { mkdtemp, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { ClassicLevel } from "classic-level";
import mqttPacket from "mqtt-packet";
import { type RunningBridge, startBridge } from "../../bridge-mqtt/bridge.ts";
import { MAX_MQTT_PACKET_BYTES, MqttFrameScanner } from "../../bridge-mqtt/packet-limit.ts";
import { readingsTopic } from "../../bridge-mqtt/topics.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";

const silent = { info() {}, warn() {}, error() {} };
/** The device module's "device not found": every login is refused, which is all this test needs. */
const DEVICE_NOT_FOUND = 7;

/** A PUBLISH of `payloadBytes` to a readings topic, as bytes. */
function publishPacket(payloadBytes: number): Buffer {
  return mqttPacket.generate({
    cmd: "publish",
    topic: readingsTopic("D035_0001"),
    payload: Buffer.alloc(payloadBytes, 7),
    qos: 0,
    retain: false,
    dup: false,
  });
}

function chunks(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) out.push(bytes.subarray(offset, offset + size));
  return out;
}

test("the scanner passes packets up to the limit in any chunking and stops at the first larger one", (t) => {
  const small = publishPacket(100);
  const atLimit = mqttPacket.generate({
    cmd: "publish",
    topic: "t",
    payload: Buffer.alloc(MAX_MQTT_PACKET_BYTES - 3, 1), // 2-byte topic length + 1-byte topic
    qos: 0,
    retain: false,
    dup: false,
  });
  const stream = Buffer.concat([small, atLimit, Buffer.from([0xc0, 0x00]), small]); // PINGREQ between
  for (const size of [1, 2, 3, 7, 1000, stream.length]) {
    const scanner = new MqttFrameScanner(MAX_MQTT_PACKET_BYTES);
    t.true(
      chunks(stream, size).every((chunk) => scanner.scan(chunk)),
      `chunks of ${size}`,
    );
  }
  const over = publishPacket(MAX_MQTT_PACKET_BYTES);
  for (const size of [1, 3, over.length]) {
    const scanner = new MqttFrameScanner(MAX_MQTT_PACKET_BYTES);
    const verdicts = chunks(Buffer.concat([small, over]), size).map((chunk) => scanner.scan(chunk));
    t.is(scanner.violation, "oversized", `chunks of ${size}`);
    t.true(scanner.announcedBytes > MAX_MQTT_PACKET_BYTES);
    // Refused by the header: at most the fixed header's bytes of the big packet were looked at.
    const firstRefusal = verdicts.indexOf(false);
    t.true(firstRefusal * size <= small.length + 5, `refused at byte ~${firstRefusal * size}`);
    t.false(scanner.scan(Buffer.from([0xc0, 0x00])), "stays refused");
  }
  const malformed = new MqttFrameScanner(1 << 30);
  t.false(malformed.scan(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01])));
  t.is(malformed.violation, "malformed");
});

let bridge: RunningBridge;
let db: ClassicLevel<Uint8Array, Uint8Array>;
let dbDir: string;

test.before(async () => {
  dbDir = await mkdtemp(join(tmpdir(), "sensorchain-packet-limit-"));
  db = new ClassicLevel<Uint8Array, Uint8Array>(join(dbDir, "chain.db"), DB_OPTIONS);
  await db.open();
  bridge = await startBridge({
    db,
    chainId: "packet-limit-test",
    listen: { host: "127.0.0.1", port: 0 },
    logger: silent,
    query: async () => ({ code: DEVICE_NOT_FOUND, value: new Uint8Array() }),
  });
});

test.after.always(async () => {
  await bridge?.stop();
  await db?.close();
  if (dbDir !== undefined) await rm(dbDir, { recursive: true, force: true });
});

function openSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(bridge.port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Resolves with the bytes the broker sent once it closes the connection. */
function untilClosed(socket: Socket): Promise<Buffer> {
  const received: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => received.push(chunk));
  socket.on("error", () => {}); // a reset while writing is one way of being cut
  return new Promise((resolve) => socket.once("close", () => resolve(Buffer.concat(received))));
}

test.serial("a raw TCP client announcing a 200 MB packet is cut before it sends the body", async (t) => {
  t.timeout(30_000);
  const before = bridge.counters.oversizedPackets;
  const socket = await openSocket();
  const closed = untilClosed(socket);
  // PUBLISH fixed header: remaining length 200,000,000 (4 bytes), then a little of its body only.
  const header = Buffer.from([0x30, 0x80, 0xb4, 0xae, 0x5f]);
  t.is(mqttPacket.parser().parse(header), 0, "mqtt-packet accepts the header: it would wait for 200 MB");
  socket.write(Buffer.concat([header, Buffer.alloc(1024)]));
  const answer = await closed;
  t.is(answer.length, 0, "no CONNACK or anything else came back");
  t.is(bridge.counters.oversizedPackets, before + 1);
});

test.serial(
  "a CONNECT above the limit is cut; one under it reaches aedes and gets its CONNACK",
  async (t) => {
    t.timeout(30_000);
    const before = bridge.counters.oversizedPackets;
    const connectPacket = (passwordBytes: number) =>
      mqttPacket.generate({
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion: 4,
        clientId: "D035_0001",
        username: "D035_0001",
        password: Buffer.alloc(passwordBytes, 0x41),
        clean: true,
        keepalive: 30,
      });

    const big = await openSocket();
    const bigClosed = untilClosed(big);
    big.write(connectPacket(MAX_MQTT_PACKET_BYTES));
    t.is((await bigClosed).length, 0, "cut without an answer");
    t.is(bridge.counters.oversizedPackets, before + 1);

    const small = await openSocket();
    const smallClosed = untilClosed(small);
    small.write(connectPacket(200));
    const answer = mqttPacket.parser();
    const packets: mqttPacket.Packet[] = [];
    answer.on("packet", (packet) => packets.push(packet));
    answer.parse(await smallClosed);
    t.is(packets[0]?.cmd, "connack", "aedes answered the login (refused: malformed password)");
    t.is((packets[0] as mqttPacket.IConnackPacket).returnCode, 4);
    t.is(bridge.counters.oversizedPackets, before + 1, "not counted as oversized");
  },
);
