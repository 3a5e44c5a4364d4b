// Acceptance (issue 5): "Postal model: encrypted payloads end to end; only the key holder reads
// them", and HTTP history with inclusion proofs of a final day. A real single-validator node process,
// set up on the real clock and then restarted with its clock (SENSORCHAIN_CLOCK_OFFSET_MS, test only)
// shortly before a UTC midnight, with its operator key and a 2 s commit grace so its bridge commits the
// day by itself. A device sends
// readings whose only content is a ciphertext sealed to the escrow consumer's x25519 key (ECIES:
// ephemeral x25519, HKDF-SHA256, AES-256-GCM, done here with node:crypto); the consumer's live
// stream and its history deliver the ciphertext byte for byte, the consumer opens it, another key
// cannot; once the day is final the history carries the commitment and proofs that verify.
import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess } from "@cosmjs/stargate";
import test from "ava";
import { installOperatorKey } from "../../bridge-mqtt/commitments/operator-key.ts";
import { consumerHttpAuthorization } from "../../bridge-mqtt/consumers/login.ts";
import { decodeReadingPayload } from "../../bridge-mqtt/reading-codec.ts";
import { readingsTopic, streamTopic } from "../../bridge-mqtt/topics.ts";
import { writeFileAtomic } from "../../chain/config/files.ts";
import { parseToml, renderConfigToml } from "../../chain/config/toml-file.ts";
import { CLOCK_OFFSET_ENV } from "../../chain/consensus/engine.ts";
import {
  EscrowMode,
  MSG_OPEN_ESCROW,
  MSG_REGISTER_DEVICE,
  MSG_SHARE_DEVICE,
  meter as meterPb,
  PricingUnit,
} from "../../client/index.ts";
import { readingsRoot, verifyReadingInclusion } from "../../light-client/reading-inclusion.ts";
import { encodeReading, type Reading, readingSignBytes } from "../../modules/meter/reading.ts";
import { clockBeforeMidnight, restartLeadMs } from "../helpers/midnight-clock.ts";
import { cli, DENOM, rpc, startNodeProcess } from "../helpers/node-process.ts";
import { connectConsumer, newAccount, nextMessage, signingClient } from "./consumer-helpers.ts";
import { connectDevice } from "./device-helpers.ts";
import { ed25519Key } from "./device-keys.ts";

const CHAIN_ID = "sensorchain-postal-1";
const DEVICE = "D035_0077";
const DAY_MS = 86_400_000;
/** What follows the restart before midnight: connecting, then the 10 s the test asserts are left. */
const BEFORE_MIDNIGHT_MS = 15_000;
/** Readings the day must hold: its proofs then have several levels of aunts. */
const READINGS_OF_DAY = 10;
const POSTAL_INFO = Buffer.from("sensorchain-postal/v1");

/** ECIES to an x25519 public key: ephemeral key (32) ‖ nonce (12) ‖ AES-256-GCM ciphertext ‖ tag (16). */
function seal(recipient: KeyObject, plaintext: Buffer): Buffer {
  const ephemeral = generateKeyPairSync("x25519");
  const ephemeralRaw = Buffer.from(ephemeral.publicKey.export({ format: "jwk" }).x!, "base64url");
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
  const key = Buffer.from(hkdfSync("sha256", shared, ephemeralRaw, POSTAL_INFO, 32));
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([ephemeralRaw, nonce, body, cipher.getAuthTag()]);
}

function open(privateKey: KeyObject, sealed: Uint8Array): Buffer {
  const bytes = Buffer.from(sealed);
  const ephemeralRaw = bytes.subarray(0, 32);
  const ephemeral = createPublicKey({
    key: { kty: "OKP", crv: "X25519", x: ephemeralRaw.toString("base64url") },
    format: "jwk",
  });
  const shared = diffieHellman({ privateKey, publicKey: ephemeral });
  const key = Buffer.from(hkdfSync("sha256", shared, ephemeralRaw, POSTAL_INFO, 32));
  const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(32, 44));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(44, bytes.length - 16)), decipher.final()]);
}

test("postal model: sealed readings reach the consumer's stream and history unchanged, only its key opens them; history proves them in the final day", async (t) => {
  t.timeout(180_000);

  const owner = newAccount();
  const consumer = newAccount();
  const consumerBox = generateKeyPairSync("x25519"); // the consumer's postal key pair
  const eavesdropper = generateKeyPairSync("x25519");
  const home = await mkdtemp(join(tmpdir(), "sensorchain-postal-"));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const operator = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  const operatorAddress = (await operator.getAccounts())[0]!.address;
  await cli(["init", "postal-node", "--chain-id", CHAIN_ID, "--operator", operatorAddress, "--home", home]);
  for (const address of [owner.address, consumer.address, operatorAddress])
    await cli(["genesis", "add-account", address, `1000000000${DENOM}`, "--home", home]);
  installOperatorKey(home, operator.mnemonic);
  const configFile = join(home, "config/config.toml");
  const document = parseToml(readFileSync(configFile, "utf8"), configFile);
  document["mqtt"] = { ...(document["mqtt"] as object), commit_grace: "2s" };
  writeFileAtomic(configFile, renderConfigToml(document));

  // Setup on the real clock; then the node restarts with its clock leadMs before a UTC midnight,
  // so a slow start or slow setup on a loaded machine cannot eat the lead.
  const startedMs = Date.now();
  let node = await startNodeProcess(home, { blockInterval: "200ms" });
  const firstStartMs = Date.now() - startedMs;
  const leadMs = restartLeadMs(firstStartMs, BEFORE_MIDNIGHT_MS);
  t.timeout(180_000 + leadMs); // from here: the wait for midnight comes on top
  t.teardown(() => node.stop());

  const key = ed25519Key();
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
  await send(owner.privateKey, owner.address, [
    {
      typeUrl: MSG_REGISTER_DEVICE,
      value: {
        owner: owner.address,
        deviceId: DEVICE,
        publicKey: { type: key.type, key: key.publicKey },
        metadata: { model: "meter", unit: "kWh", locationHint: "" },
      },
    },
    {
      typeUrl: MSG_SHARE_DEVICE,
      value: {
        owner: owner.address,
        deviceId: DEVICE,
        terms: { unit: PricingUnit.PRICING_UNIT_PER_DAY, price: { denom: DENOM, amount: "1" } },
      },
    },
  ]);
  await send(consumer.privateKey, consumer.address, [
    {
      typeUrl: MSG_OPEN_ESCROW,
      value: {
        consumer: consumer.address,
        deviceId: DEVICE,
        releaseAuthority: consumer.address,
        mode: EscrowMode.ESCROW_MODE_MANUAL,
        deposit: { denom: DENOM, amount: "1000" },
        price: { denom: DENOM, amount: "10" },
        periodSeconds: 86_400,
        expiryTime: Math.floor(Date.now() / 1000) + 3 * 86_400, // beyond the node's shifted clock too
      },
    },
  ]);

  await node.stop();
  const { midnightMs: midnight, day, offsetMs, nodeNow } = clockBeforeMidnight(leadMs);
  t.log(`first start ${firstStartMs / 1000} s; restarting ${leadMs / 1000} s before midnight`);
  process.env[CLOCK_OFFSET_ENV] = String(offsetMs);
  node = await startNodeProcess(home, { blockInterval: "200ms" });
  delete process.env[CLOCK_OFFSET_ENV];

  const stream = await connectConsumer(node.mqttUrl, consumer, { nowMs: nodeNow(), chainId: CHAIN_ID });
  t.teardown(() => stream.endAsync());
  await stream.subscribeAsync(streamTopic(DEVICE), { qos: 0 });
  const device = await connectDevice(node.mqttUrl, DEVICE, key, { chainId: CHAIN_ID, nowMs: nodeNow() });
  t.teardown(() => device.endAsync());

  t.true(nodeNow() < midnight - 10_000, "setup finished well before midnight (node clock)");
  // Sealed readings until 3 s into the new day: the first READINGS_OF_DAY back to back (each waits
  // for its arrival on the stream), so a loaded machine's slow round trips cannot leave the day with
  // fewer, then one every 500 ms.
  const sent: { plaintext: string; day: bigint; payload: Uint8Array }[] = [];
  for (let sequence = 1n; nodeNow() < midnight + 3_000; sequence++) {
    const plaintext = JSON.stringify({ energy: `${sequence}.25`, unit: "kWh" });
    const unsigned: Reading = {
      deviceId: DEVICE,
      sequence,
      timestampMs: BigInt(nodeNow()),
      values: [],
      ciphertext: seal(consumerBox.publicKey, Buffer.from(plaintext)),
      signature: new Uint8Array(0),
    };
    const reading = { ...unsigned, signature: key.sign(readingSignBytes(unsigned)) };
    const payload = encodeReading(reading);
    const arrival = nextMessage(stream, streamTopic(DEVICE));
    await device.publishAsync(readingsTopic(DEVICE), Buffer.from(payload), { qos: 1 });
    const streamed = decodeReadingPayload(new Uint8Array(await arrival));
    t.deepEqual(
      Buffer.from(streamed.ciphertext),
      Buffer.from(reading.ciphertext),
      "stream: ciphertext unchanged",
    );
    t.is(open(consumerBox.privateKey, streamed.ciphertext).toString(), plaintext);
    t.throws(
      () => open(eavesdropper.privateKey, streamed.ciphertext),
      undefined,
      "another key cannot open it",
    );
    sent.push({ plaintext, day: reading.timestampMs / BigInt(DAY_MS), payload });
    if (sent.length >= READINGS_OF_DAY) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const ofDay = sent.filter((s) => s.day === day);
  t.true(ofDay.length >= READINGS_OF_DAY, `readings before midnight: ${ofDay.length}`);

  // The node's bridge submits the day after midnight + grace; wait until it is final on chain.
  const request = meterPb.QueryCommitmentRequest.encode({ deviceId: DEVICE, day: Number(day) }).finish();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await rpc(node.rpcUrl, "abci_query", {
      path: "/sensorchain.meter.v1.Query/Commitment",
      data: Buffer.from(request).toString("hex"),
    });
    if (Number(response.result.response.code ?? 0) === 0) break;
    if (Date.now() > deadline)
      t.fail(`day ${day} not final:\n${node.output().split("\n").slice(-20).join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  const from = Number(day) * DAY_MS;
  const history = await fetch(
    `${node.rpcUrl}/bridge/v1/readings?device_id=${DEVICE}&from_ms=${from}&to_ms=${from + DAY_MS}&limit=1000`,
    { headers: { Authorization: consumerHttpAuthorization(CHAIN_ID, consumer.privateKey, nodeNow()) } },
  );
  t.is(history.status, 200);
  // biome-ignore lint/suspicious/noExplicitAny: JSON answer, read field by field
  const body: any = await history.json();
  t.is(body.readings.length, ofDay.length);
  t.false(body.more);
  const root = readingsRoot(ofDay.map((s) => s.payload));
  for (const [index, reading] of body.readings.entries()) {
    const bytes = new Uint8Array(Buffer.from(reading.bytes, "base64"));
    t.deepEqual(bytes, new Uint8Array(ofDay[index]!.payload), "history: the bytes the device signed");
    t.is(
      open(consumerBox.privateKey, Buffer.from(reading.ciphertext, "base64")).toString(),
      ofDay[index]!.plaintext,
    );
    t.deepEqual(reading.values, []);
    t.is(reading.commitment.day, day.toString());
    t.is(reading.commitment.count, String(ofDay.length));
    t.deepEqual(new Uint8Array(Buffer.from(reading.commitment.root, "base64")), root);
    const proof = {
      index: reading.proof.index,
      total: reading.proof.total,
      aunts: reading.proof.aunts.map((aunt: string) => new Uint8Array(Buffer.from(aunt, "base64"))),
    };
    t.true(verifyReadingInclusion(bytes, proof, { root, count: BigInt(ofDay.length) }));
    const tampered = Uint8Array.from(bytes);
    tampered[tampered.length - 1]! ^= 1;
    t.false(verifyReadingInclusion(tampered, proof, { root, count: BigInt(ofDay.length) }));
  }
});
