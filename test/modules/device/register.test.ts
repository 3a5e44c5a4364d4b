// Device keeper rules for registering devices through real txs on the real store: the record, its
// indexes, counters, events and response, every key type, and every register failure case of
// modules/device/README.md with their codes.
import test from "ava";
import { device as pb } from "../../../client/index.ts";
import { eventsOf } from "../../helpers/app.ts";
import {
  counts,
  EXEC_PREFIX,
  ed25519Key,
  expectFailure,
  getDevice,
  METADATA,
  p256Key,
  registerMsg,
  secp256k1Key,
  startDeviceApp,
} from "./helpers.ts";

test("register stores the device with its owner index, counters, event and response", async (t) => {
  const a = await startDeviceApp(t);
  const [alice] = a.w.addresses as [string];
  const result = await a.run(alice, [registerMsg(alice, "D035_0001")]);
  t.is(result.code, 0, result.log);
  const stored = await getDevice(a, "D035_0001");
  t.is(stored.owner, alice);
  t.is(stored.status, pb.DeviceStatus.DEVICE_STATUS_ACTIVE);
  t.is(stored.shared, false);
  t.is(String(stored.registrationHeight), "1");
  t.deepEqual(Uint8Array.from(stored.publicKey!.key!), ed25519Key("D035_0001").key);
  t.is(stored.metadata!.model, METADATA.model);
  t.is(stored.metadata!.locationHint, METADATA.locationHint);
  t.deepEqual(eventsOf(result.events, "sensorchain.device.v1.EventDeviceRegistered"), [
    { device_id: "D035_0001", owner: alice, sector: "D035", key_type: "ed25519", msg_index: "0" },
  ]);
  t.deepEqual(
    eventsOf(result.events, "message").find((e) => e.msg_index === "0"),
    { action: "/sensorchain.device.v1.MsgRegisterDevice", sender: alice, module: "device", msg_index: "0" },
  );
  const { TxMsgData } = await import("cosmjs-types/cosmos/base/abci/v1beta1/abci");
  const [response] = TxMsgData.decode(result.data).msgResponses;
  t.is(response!.typeUrl, "/sensorchain.device.v1.MsgRegisterDeviceResponse");
  t.is(pb.MsgRegisterDeviceResponse.decode(response!.value).deviceId, "D035_0001");
  t.deepEqual(await counts(a), { total: 1, active: 1, retired: 0, shared: 0 });
  t.deepEqual(await counts(a, "D035"), { total: 1, active: 1, retired: 0, shared: 0 });
  t.deepEqual(await counts(a, "C010"), { total: 0, active: 0, retired: 0, shared: 0 });
  t.deepEqual(await a.app.checkInvariants(), []);
});

test("all three key types register; ids with more than 4 digits work", async (t) => {
  const a = await startDeviceApp(t);
  const [alice] = a.w.addresses as [string];
  const results = await a.runMany([
    { from: alice, msgs: [registerMsg(alice, "C010_0001", { publicKey: secp256k1Key("x") })] },
    { from: alice, msgs: [registerMsg(alice, "C010_0002", { publicKey: p256Key("y") })] },
    { from: alice, msgs: [registerMsg(alice, "C010_12345")] },
  ]);
  t.deepEqual(
    results.map((r) => r.code),
    [0, 0, 0],
  );
  t.is((await getDevice(a, "C010_0002")).publicKey!.type, pb.KeyType.KEY_TYPE_P256);
});

const registerFailures: {
  name: string;
  id?: string;
  publicKey?: object;
  metadata?: object;
  code: number;
  log: RegExp;
}[] = [
  { name: "lowercase sector", id: "d035_0001", code: 2, log: /is not SSSS_NNNN.*: invalid device id$/ },
  { name: "3-digit number", id: "D035_001", code: 2, log: /invalid device id$/ },
  { name: "leading zero above 4 digits", id: "D035_00001", code: 2, log: /invalid device id$/ },
  { name: "11 digits", id: "D035_12345678901", code: 2, log: /invalid device id$/ },
  { name: "no separator", id: "D0350001", code: 2, log: /invalid device id$/ },
  {
    name: "unspecified key type",
    publicKey: { type: 0, key: new Uint8Array(32) },
    code: 4,
    log: /must be ed25519, secp256k1 or p256: invalid device public key$/,
  },
  {
    name: "ed25519 key of 33 bytes",
    publicKey: { type: 1, key: new Uint8Array(33) },
    code: 4,
    log: /a ed25519 key is 32 bytes, got 33/,
  },
  {
    name: "secp256k1 key uncompressed",
    publicKey: { type: 2, key: new Uint8Array(65).fill(4) },
    code: 4,
    log: /is 33 bytes, got 65/,
  },
  {
    name: "secp256k1 key with a bad prefix",
    publicKey: { type: 2, key: new Uint8Array(33).fill(5) },
    code: 4,
    log: /not a valid secp256k1 key/,
  },
  {
    name: "p256 point off the curve",
    publicKey: { type: 3, key: Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)) },
    code: 4,
    log: /not a valid p256 key/,
  },
  {
    name: "ed25519 small-order point",
    publicKey: { type: 1, key: Uint8Array.of(1, ...new Uint8Array(31)) },
    code: 4,
    log: /not a valid ed25519 key/,
  },
  {
    name: "model too long",
    metadata: { model: "m".repeat(65) },
    code: 5,
    log: /metadata.model is longer than 64 bytes: invalid device metadata$/,
  },
  {
    name: "unit too long",
    metadata: { unit: "u".repeat(17) },
    code: 5,
    log: /metadata.unit is longer than 16 bytes/,
  },
  {
    name: "location hint too long (UTF-8 bytes)",
    metadata: { locationHint: "ü".repeat(33) },
    code: 5,
    log: /location_hint is longer than 64 bytes/,
  },
  {
    name: "control character",
    metadata: { model: "a\nb" },
    code: 5,
    log: /metadata.model has control characters/,
  },
];

for (const failure of registerFailures) {
  test(`register is refused before signatures (validateBasic): ${failure.name}`, async (t) => {
    const a = await startDeviceApp(t);
    const [alice] = a.w.addresses as [string];
    const msg = registerMsg(alice, failure.id ?? "D035_0001", {
      ...(failure.publicKey === undefined ? {} : { publicKey: failure.publicKey }),
      ...(failure.metadata === undefined ? {} : { metadata: failure.metadata }),
    });
    const check = await a.app.checkTx({ tx: await a.signDevice(alice, [msg]), type: "new" });
    expectFailure(t, check, failure.code, "device", failure.log);
    const [result] = await a.block([await a.signDevice(alice, [msg])]);
    t.is(result!.code, failure.code);
    t.deepEqual(await counts(a), { total: 0, active: 0, retired: 0, shared: 0 });
  });
}

test("register refuses an invalid owner address (sdk 7), an unknown sector and a taken id", async (t) => {
  const a = await startDeviceApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  const badOwner = await a.app.checkTx({
    tx: await a.signDevice(alice, [registerMsg("sensor1notanaddress", "D035_0001")]),
    type: "new",
  });
  expectFailure(t, badOwner, 7, "sdk", /^invalid owner address "sensor1notanaddress": invalid address$/);
  const unknown = await a.run(alice, [registerMsg(alice, "ZZZZ_0001")]);
  expectFailure(
    t,
    unknown,
    3,
    "device",
    /sector ZZZZ of device ZZZZ_0001 is not in params.sector_codes: unknown sector$/,
  );
  t.is((await a.run(alice, [registerMsg(alice, "D035_0001")])).code, 0);
  const taken = await a.run(bob, [registerMsg(bob, "D035_0001")]);
  expectFailure(t, taken, 6, "device", /device D035_0001: device already exists$/);
  t.regex(taken.log, EXEC_PREFIX);
  t.is((await getDevice(a, "D035_0001")).owner, alice);
});
