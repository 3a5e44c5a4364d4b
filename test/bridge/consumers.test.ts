// Consumers of the MQTT bridge against a real node process and its embedded broker (TCP, TLS with a
// self-signed certificate, WebSocket): account logins, entitlement by ownership, by an open escrow
// (consumer and release authority) and by a market grant, live streams to the entitled only, the
// stream cut when an escrow closes, and HTTP history on the node's RPC port with signed requests.
import { assertIsDeliverTxSuccess } from "@cosmjs/stargate";
import test, { type ExecutionContext } from "ava";
import type { MqttClient } from "mqtt";
import { consumerErrorsTopic } from "../../bridge-mqtt/commands/consumer-commands.ts";
import { consumerHttpAuthorization, consumerPassword } from "../../bridge-mqtt/consumers/login.ts";
import { streamJsonTopic, streamRevokedTopic } from "../../bridge-mqtt/consumers/stream-topics.ts";
import { verifyDeviceSignature } from "../../bridge-mqtt/device-signature.ts";
import { decodeReadingPayload } from "../../bridge-mqtt/reading-codec.ts";
import { readingsTopic, streamTopic } from "../../bridge-mqtt/topics.ts";
import {
  EscrowMode,
  MSG_BUY_ACCESS,
  MSG_CLOSE_ESCROW,
  MSG_CREATE_LISTING,
  MSG_OPEN_ESCROW,
  MSG_REGISTER_DEVICE,
  MSG_SHARE_DEVICE,
  PricingUnit,
} from "../../client/index.ts";
import { readingSignBytes } from "../../modules/meter/reading.ts";
import {
  CHAIN_ID,
  DENOM,
  faucetWallet,
  type NodeProcess,
  startNodeProcess,
} from "../helpers/node-process.ts";
import {
  type ConsumerTestHome,
  connectConsumer,
  createConsumerTestHome,
  newAccount,
  nextMessage,
  signingClient,
} from "./consumer-helpers.ts";
import { connectDevice as loginDevice } from "./device-helpers.ts";
import { ed25519Key, signedReading, type TestDeviceKey } from "./device-keys.ts";

const ESCROWED = "D035_0101"; // shared; consumer C's escrow names R as release authority
const LISTED = "D035_0102"; // listed on the market; M bought access
const UNKNOWN = "D035_0999";
const deviceKeys: Record<string, TestDeviceKey> = { [ESCROWED]: ed25519Key(), [LISTED]: ed25519Key() };
const owner = newAccount();
const consumer = newAccount();
const authority = newAccount();
const buyer = newAccount();
const stranger = newAccount();
const shortLived = newAccount(); // opens an escrow that expires a few seconds later

let home: ConsumerTestHome;
let node: NodeProcess;
let tlsUrl: string;
let wsUrl: string;
const sequences: Record<string, bigint> = { [ESCROWED]: 0n, [LISTED]: 0n };
const clients: MqttClient[] = [];

test.before(async (t) => {
  t.timeout(120_000);
  home = await createConsumerTestHome([owner, consumer, authority, buyer, stranger, shortLived]);
  node = await startNodeProcess(home.home);
  tlsUrl = `mqtts://127.0.0.1:${home.tlsPort}`;
  wsUrl = `ws://127.0.0.1:${home.wsPort}/mqtt`;
  const { address: operator } = await faucetWallet();
  const coin = (amount: number) => ({ denom: DENOM, amount: String(amount) });
  const send = async (
    privateKey: Uint8Array,
    signer: string,
    messages: { typeUrl: string; value: unknown }[],
  ) => {
    const client = await signingClient(node.rpcUrl, privateKey);
    try {
      assertIsDeliverTxSuccess(await client.signAndBroadcast(signer, messages, "auto"));
    } finally {
      client.disconnect();
    }
  };
  const register = (deviceId: string) => ({
    typeUrl: MSG_REGISTER_DEVICE,
    value: {
      owner: owner.address,
      deviceId,
      publicKey: { type: deviceKeys[deviceId]!.type, key: deviceKeys[deviceId]!.publicKey },
      metadata: { model: "meter", unit: "kWh", locationHint: "" },
    },
  });
  await send(owner.privateKey, owner.address, [
    register(ESCROWED),
    register(LISTED),
    {
      typeUrl: MSG_SHARE_DEVICE,
      value: {
        owner: owner.address,
        deviceId: ESCROWED,
        terms: { unit: PricingUnit.PRICING_UNIT_PER_DAY, price: coin(10) },
      },
    },
    {
      typeUrl: MSG_CREATE_LISTING,
      value: {
        seller: owner.address,
        deviceId: LISTED,
        stake: coin(1000),
        price: coin(10),
        periodSeconds: 3600,
      },
    },
  ]);
  await send(consumer.privateKey, consumer.address, [
    {
      typeUrl: MSG_OPEN_ESCROW,
      value: {
        consumer: consumer.address,
        deviceId: ESCROWED,
        releaseAuthority: authority.address,
        mode: EscrowMode.ESCROW_MODE_MANUAL,
        deposit: coin(1000),
        price: coin(10),
        periodSeconds: 3600,
        expiryTime: Math.floor(Date.now() / 1000) + 86_400,
      },
    },
  ]);
  await send(buyer.privateKey, buyer.address, [
    { typeUrl: MSG_BUY_ACCESS, value: { buyer: buyer.address, listingId: 1, periods: 1, gateway: operator } },
  ]);
});

test.after.always(async () => {
  await Promise.all(clients.map((client) => client.endAsync(true)));
  await node?.stop();
  await home?.remove();
});

function track(client: MqttClient): MqttClient {
  clients.push(client);
  return client;
}

async function connectDevice(deviceId: string, url: string): Promise<MqttClient> {
  return track(await loginDevice(url, deviceId, deviceKeys[deviceId]!, { ca: home.certificate }));
}

async function publishReading(device: MqttClient, deviceId: string) {
  sequences[deviceId]! += 1n;
  const signed = signedReading(deviceKeys[deviceId]!, { deviceId, sequence: sequences[deviceId]! });
  await device.publishAsync(readingsTopic(deviceId), Buffer.from(signed.payload), { qos: 1 });
  return signed;
}

async function refusedWith(t: ExecutionContext, attempt: Promise<MqttClient>, code: number) {
  const error = await t.throwsAsync(attempt);
  t.is((error as Error & { code?: number }).code, code);
}

/** The SUBACK return code of one subscription (mqtt.js rejects when any is 0x80). */
async function subscribe(client: MqttClient, topic: string): Promise<number> {
  try {
    const granted = await client.subscribeAsync(topic, { qos: 0 });
    return granted[0]!.qos;
  } catch (error) {
    const granted = (error as Error & { packet?: { granted?: number[] } }).packet?.granted;
    if (granted === undefined) throw error;
    return granted[0]!;
  }
}

test.serial(
  "consumer login: an account key gets in; bad signature, another account's key, stale, device-like or foreign client ids are refused",
  async (t) => {
    const accepted = track(await connectConsumer(node.mqttUrl, stranger));
    t.true(accepted.connected);
    const otherChain = consumerPassword("another-chain", stranger.privateKey, Date.now());
    await refusedWith(t, connectConsumer(node.mqttUrl, stranger, { password: otherChain }), 4);
    // The key of one account presented for another address: the address is not derived from it.
    const strangersProof = consumerPassword(CHAIN_ID, stranger.privateKey, Date.now());
    await refusedWith(t, connectConsumer(node.mqttUrl, consumer, { password: strangersProof }), 4);
    await refusedWith(t, connectConsumer(node.mqttUrl, stranger, { nowMs: Date.now() - 120_000 }), 4);
    await refusedWith(t, connectConsumer(node.mqttUrl, stranger, { clientId: ESCROWED }), 4);
    await refusedWith(t, connectConsumer(node.mqttUrl, stranger, { clientId: consumer.address }), 4);
    await refusedWith(t, connectConsumer(node.mqttUrl, stranger, { password: "123.abc" }), 4);
    for (const reason of ["bad_signature", "address_mismatch", "stale", "malformed"])
      t.true(node.output().includes(`reason=${reason}`), reason);
  },
);

test.serial(
  "owner, escrow consumer and release authority stream a device publishing over TLS; a stranger is refused (stream without entitlement)",
  async (t) => {
    t.timeout(60_000);
    const streamers = await Promise.all(
      [owner, consumer, authority].map(async (account) =>
        track(await connectConsumer(node.mqttUrl, account)),
      ),
    );
    for (const client of streamers) {
      t.is(await subscribe(client, streamTopic(ESCROWED)), 0);
      t.is(await subscribe(client, streamJsonTopic(ESCROWED)), 0);
    }
    const outsider = track(await connectConsumer(node.mqttUrl, stranger));
    const why = nextMessage(outsider, consumerErrorsTopic(stranger.address));
    t.is(await subscribe(outsider, streamTopic(ESCROWED)), 128);
    t.like(JSON.parse((await why).toString()), { code: "not_entitled", topic: streamTopic(ESCROWED) });
    t.is(await subscribe(outsider, "sensorchain/v1/streams/+"), 128);
    t.is(await subscribe(outsider, streamTopic(UNKNOWN)), 128);
    // The market buyer is entitled to its listed device only.
    const marketClient = track(await connectConsumer(node.mqttUrl, buyer));
    t.is(await subscribe(marketClient, streamTopic(ESCROWED)), 128);
    t.true(node.output().includes("reason=not_entitled"));
    t.true(node.output().includes("reason=unknown_device"));

    const device = await connectDevice(ESCROWED, tlsUrl);
    const arrivals = streamers.flatMap((client) => [
      nextMessage(client, streamTopic(ESCROWED)),
      nextMessage(client, streamJsonTopic(ESCROWED)),
    ]);
    const { payload, reading } = await publishReading(device, ESCROWED);
    const received = await Promise.all(arrivals);
    for (let i = 0; i < received.length; i += 2) {
      t.deepEqual(new Uint8Array(received[i]!), new Uint8Array(payload));
      const json = JSON.parse(received[i + 1]!.toString());
      t.is(json.device_id, ESCROWED);
      t.is(json.sequence, reading.sequence.toString());
      t.deepEqual(json.values, reading.values);
      t.false(JSON.stringify(json).includes(owner.address), "streams carry no owner");
    }
  },
);

test.serial(
  "a market buyer over WebSocket receives its device's readings live, signed by the device",
  async (t) => {
    t.timeout(60_000);
    const viewer = track(await connectConsumer(wsUrl, buyer));
    t.is(await subscribe(viewer, streamTopic(LISTED)), 0);
    const device = await connectDevice(LISTED, node.mqttUrl);
    for (let i = 0; i < 3; i++) {
      const arrival = nextMessage(viewer, streamTopic(LISTED));
      const { reading } = await publishReading(device, LISTED);
      const bytes = new Uint8Array(await arrival);
      const decoded = decodeReadingPayload(bytes);
      t.is(decoded.sequence, reading.sequence);
      t.true(
        verifyDeviceSignature(
          { type: "ed25519", key: deviceKeys[LISTED]!.publicKey },
          readingSignBytes(decoded),
          decoded.signature,
        ),
      );
    }
  },
);

test.serial(
  "closing the escrow ends the stream of its consumer and release authority; the owner keeps it",
  async (t) => {
    t.timeout(60_000);
    const [ownerClient, consumerClient, authorityClient] = await Promise.all(
      [owner, consumer, authority].map(async (account) =>
        track(await connectConsumer(node.mqttUrl, account)),
      ),
    );
    for (const client of [ownerClient!, consumerClient!, authorityClient!])
      t.is(await subscribe(client, streamTopic(ESCROWED)), 0);
    const revoked = [consumerClient!, authorityClient!].map((client) =>
      nextMessage(client, streamRevokedTopic(ESCROWED)),
    );
    const client = await signingClient(node.rpcUrl, consumer.privateKey);
    try {
      assertIsDeliverTxSuccess(
        await client.signAndBroadcast(
          consumer.address,
          [{ typeUrl: MSG_CLOSE_ESCROW, value: { consumer: consumer.address, escrowId: 1 } }],
          "auto",
        ),
      );
    } finally {
      client.disconnect();
    }
    for (const notice of await Promise.all(revoked))
      t.deepEqual(JSON.parse(notice.toString()), { device_id: ESCROWED, reason: "not_entitled" });
    t.is(await subscribe(consumerClient!, streamTopic(ESCROWED)), 128);
    t.is(await subscribe(authorityClient!, streamTopic(ESCROWED)), 128);
    const device = await connectDevice(ESCROWED, node.mqttUrl);
    const arrival = nextMessage(ownerClient!, streamTopic(ESCROWED));
    const { payload } = await publishReading(device, ESCROWED);
    t.deepEqual(new Uint8Array(await arrival), new Uint8Array(payload));
  },
);

test.serial(
  "HTTP history: signed requests of the entitled get readings whose device signatures verify; others 401/403/404/400",
  async (t) => {
    const from = Date.now() - 3_600_000;
    const to = Date.now() + 60_000;
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field
    type Json = any;
    const get = (query: string, authorization?: string) =>
      fetch(`${node.rpcUrl}/bridge/v1/readings?${query}`, {
        headers: authorization === undefined ? {} : { Authorization: authorization },
      });
    const auth = (account: { privateKey: Uint8Array }, nowMs = Date.now()) =>
      consumerHttpAuthorization(CHAIN_ID, account.privateKey, nowMs);
    const range = `from_ms=${from}&to_ms=${to}`;

    const response = await get(`device_id=${ESCROWED}&${range}`, auth(owner));
    t.is(response.status, 200);
    const body: Json = await response.json();
    t.is(body.readings.length, Number(sequences[ESCROWED]));
    t.deepEqual(
      body.readings.map((r: { sequence: string }) => r.sequence),
      Array.from({ length: Number(sequences[ESCROWED]) }, (_, i) => String(i + 1)),
    );
    for (const reading of body.readings) {
      const bytes = Buffer.from(reading.bytes, "base64");
      const decoded = decodeReadingPayload(bytes);
      t.is(Buffer.from(decoded.signature).toString("base64"), reading.signature);
      t.true(
        verifyDeviceSignature(
          { type: "ed25519", key: deviceKeys[ESCROWED]!.publicKey },
          readingSignBytes(decoded),
          decoded.signature,
        ),
      );
      t.is(reading.proof, undefined, "today is not committed yet");
    }
    const paged: Json = await (await get(`device_id=${ESCROWED}&${range}&limit=1`, auth(owner))).json();
    t.is(paged.readings.length, 1);
    t.true(paged.more);
    const next: Json = await (
      await get(
        `device_id=${ESCROWED}&${range}&limit=1&after_sequence=${paged.next_after_sequence}`,
        auth(owner),
      )
    ).json();
    t.is(next.readings[0].sequence, "2");

    // The market buyer reads its device; the closed escrow no longer entitles its consumer.
    t.is((await get(`device_id=${LISTED}&${range}`, auth(buyer))).status, 200);
    const refusals: [string, string | undefined, number, string][] = [
      [`device_id=${ESCROWED}&${range}`, undefined, 401, "malformed"],
      [`device_id=${ESCROWED}&${range}`, auth(owner, Date.now() - 120_000), 401, "stale"],
      [`device_id=${ESCROWED}&${range}`, auth(stranger), 403, "not_entitled"],
      [`device_id=${ESCROWED}&${range}`, auth(consumer), 403, "not_entitled"],
      [`device_id=${UNKNOWN}&${range}`, auth(owner), 404, "unknown_device"],
      [`device_id=${ESCROWED}&from_ms=${to}&to_ms=${from}`, auth(owner), 400, "bad_request"],
      [`device_id=${ESCROWED}&${range}&limit=100000`, auth(owner), 400, "bad_request"],
      [`device_id=nope&${range}`, auth(owner), 400, "bad_request"],
    ];
    // A browser's CORS preflight for the Authorization header is answered.
    const preflight = await fetch(`${node.rpcUrl}/bridge/v1/readings`, { method: "OPTIONS" });
    t.is(preflight.status, 204);
    t.regex(preflight.headers.get("access-control-allow-headers") ?? "", /Authorization/);
    t.is((await fetch(`${node.rpcUrl}/bridge/v1/other`)).status, 404);
    for (const [query, authorization, status, code] of refusals) {
      const refused = await get(query, authorization);
      t.is(refused.status, status, query);
      t.is(((await refused.json()) as Json).error.code, code, query);
    }
  },
);

test.serial(
  "an escrow that expires ends its consumer's stream at the next delivery after expiry",
  async (t) => {
    t.timeout(90_000);
    // A second escrow on the same device, expiring ~8 s from now (block time).
    const client = await signingClient(node.rpcUrl, shortLived.privateKey);
    try {
      assertIsDeliverTxSuccess(
        await client.signAndBroadcast(
          shortLived.address,
          [
            {
              typeUrl: MSG_OPEN_ESCROW,
              value: {
                consumer: shortLived.address,
                deviceId: ESCROWED,
                releaseAuthority: shortLived.address,
                mode: EscrowMode.ESCROW_MODE_MANUAL,
                deposit: { denom: DENOM, amount: "100" },
                price: { denom: DENOM, amount: "10" },
                periodSeconds: 60,
                expiryTime: Math.floor(Date.now() / 1000) + 8,
              },
            },
          ],
          "auto",
        ),
      );
    } finally {
      client.disconnect();
    }
    const viewer = track(await connectConsumer(node.mqttUrl, shortLived));
    t.is(await subscribe(viewer, streamTopic(ESCROWED)), 0);
    let revoked: Buffer | undefined;
    viewer.on("message", (topic, payload) => {
      if (topic === streamRevokedTopic(ESCROWED)) revoked = payload;
    });
    const device = await connectDevice(ESCROWED, node.mqttUrl);
    let received = 0;
    viewer.on("message", (topic) => {
      if (topic === streamTopic(ESCROWED)) received++;
    });
    // The device keeps publishing (2 Hz) until the bridge ends the stream; bounded by the test timeout.
    while (revoked === undefined) {
      await publishReading(device, ESCROWED);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    t.true(received > 0, "readings arrived while the escrow was open");
    t.deepEqual(JSON.parse(revoked.toString()), { device_id: ESCROWED, reason: "not_entitled" });
    t.is(await subscribe(viewer, streamTopic(ESCROWED)), 128);
  },
);
