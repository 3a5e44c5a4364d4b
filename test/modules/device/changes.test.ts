// Device keeper rules for changing registered devices through real txs on the real store: metadata,
// sharing and its terms, key rotation, transfer, retirement, a failing message reverting its whole tx,
// and every failure case of modules/device/README.md of those messages with their codes.
import test from "ava";
import { PricingUnit, device as pb } from "../../../client/index.ts";
import { eventsOf } from "../../helpers/app.ts";
import {
  counts,
  ed25519Key,
  expectFailure,
  getDevice,
  METADATA,
  ownerMsg,
  p256Key,
  registerMsg,
  shareMsg,
  startDeviceApp,
} from "./helpers.ts";

test("update metadata: owner only, device must exist and be active", async (t) => {
  const a = await startDeviceApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  await a.run(alice, [registerMsg(alice, "D035_0001")]);
  const metadata = { model: "v2", unit: "Wh", locationHint: "" };
  const ok = await a.run(alice, [ownerMsg("UpdateDeviceMetadata", alice, "D035_0001", { metadata })]);
  t.is(ok.code, 0, ok.log);
  const stored = await getDevice(a, "D035_0001");
  t.is(stored.metadata!.model, "v2");
  t.is(stored.metadata!.locationHint, "");
  t.deepEqual(eventsOf(ok.events, "sensorchain.device.v1.EventDeviceMetadataUpdated"), [
    { device_id: "D035_0001", owner: alice, msg_index: "0" },
  ]);
  expectFailure(
    t,
    await a.run(bob, [ownerMsg("UpdateDeviceMetadata", bob, "D035_0001", { metadata })]),
    8,
    "device",
    new RegExp(`${bob} does not own device D035_0001: not the device owner$`),
  );
  expectFailure(
    t,
    await a.run(alice, [ownerMsg("UpdateDeviceMetadata", alice, "D035_0002", { metadata })]),
    7,
    "device",
    /device D035_0002: device not found$/,
  );
});

test("share puts the device on the shared list; re-share replaces terms; unshare removes it", async (t) => {
  const a = await startDeviceApp(t);
  const [alice] = a.w.addresses as [string];
  await a.run(alice, [registerMsg(alice, "D035_0001")]);
  const shared = await a.run(alice, [shareMsg(alice, "D035_0001", "100")]);
  t.is(shared.code, 0, shared.log);
  t.deepEqual(eventsOf(shared.events, "sensorchain.device.v1.EventDeviceShared"), [
    {
      device_id: "D035_0001",
      owner: alice,
      sector: "D035",
      pricing: "per_day",
      price: "100usensor",
      msg_index: "0",
    },
  ]);
  let stored = await getDevice(a, "D035_0001");
  t.true(stored.shared);
  t.is(stored.shareTerms!.price!.amount, "100");
  t.deepEqual(await counts(a), { total: 1, active: 1, retired: 0, shared: 1 });

  const reshared = await a.run(alice, [
    shareMsg(alice, "D035_0001", "7", PricingUnit.PRICING_UNIT_PER_READING),
  ]);
  t.is(reshared.code, 0, reshared.log);
  stored = await getDevice(a, "D035_0001");
  t.is(stored.shareTerms!.unit, PricingUnit.PRICING_UNIT_PER_READING);
  t.is(stored.shareTerms!.price!.amount, "7");
  t.deepEqual(await counts(a), { total: 1, active: 1, retired: 0, shared: 1 });

  const unshared = await a.run(alice, [ownerMsg("UnshareDevice", alice, "D035_0001")]);
  t.is(unshared.code, 0, unshared.log);
  stored = await getDevice(a, "D035_0001");
  t.false(stored.shared);
  t.is(stored.shareTerms, null);
  t.deepEqual(await counts(a), { total: 1, active: 1, retired: 0, shared: 0 });
  expectFailure(
    t,
    await a.run(alice, [ownerMsg("UnshareDevice", alice, "D035_0001")]),
    10,
    "device",
    /device D035_0001: device is not shared$/,
  );
  t.deepEqual(await a.app.checkInvariants(), []);
});

test("share terms are checked: unit, denom and amount; free sharing is allowed", async (t) => {
  const a = await startDeviceApp(t);
  const [alice] = a.w.addresses as [string];
  await a.run(alice, [registerMsg(alice, "D035_0001")]);
  const cases: [object, RegExp][] = [
    [
      { unit: 0, price: { denom: "usensor", amount: "1" } },
      /terms.unit must be per_day or per_reading: invalid share terms$/,
    ],
    [{ unit: 1, price: { denom: "u", amount: "1" } }, /invalid price denom "u": invalid share terms$/],
    [{ unit: 1, price: { denom: "usensor", amount: "-1" } }, /invalid price amount "-1"/],
    [{ unit: 1, price: { denom: "usensor", amount: "1.5" } }, /invalid price amount "1.5"/],
    [{ unit: 1 }, /invalid price denom ""/],
  ];
  for (const [terms, log] of cases) {
    const check = await a.app.checkTx({
      tx: await a.signDevice(alice, [ownerMsg("ShareDevice", alice, "D035_0001", { terms })]),
      type: "new",
    });
    expectFailure(t, check, 11, "device", log);
  }
  t.is((await a.run(alice, [shareMsg(alice, "D035_0001", "0")])).code, 0);
});

test("rotate key: new key and rotation height; the same key and bad keys are refused", async (t) => {
  const a = await startDeviceApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  await a.run(alice, [registerMsg(alice, "D035_0001")]);
  const newKey = p256Key("rotated");
  const rotated = await a.run(alice, [
    ownerMsg("RotateDeviceKey", alice, "D035_0001", { newPublicKey: newKey }),
  ]);
  t.is(rotated.code, 0, rotated.log);
  t.deepEqual(eventsOf(rotated.events, "sensorchain.device.v1.EventDeviceKeyRotated"), [
    { device_id: "D035_0001", owner: alice, key_type: "p256", msg_index: "0" },
  ]);
  const stored = await getDevice(a, "D035_0001");
  t.deepEqual(Uint8Array.from(stored.publicKey!.key!), newKey.key);
  t.is(String(stored.keyRotationHeight), "2");
  expectFailure(
    t,
    await a.run(alice, [ownerMsg("RotateDeviceKey", alice, "D035_0001", { newPublicKey: newKey })]),
    13,
    "device",
    /device D035_0001: new key is the current key$/,
  );
  const check = await a.app.checkTx({
    tx: await a.signDevice(alice, [
      ownerMsg("RotateDeviceKey", alice, "D035_0001", { newPublicKey: { type: 1, key: new Uint8Array(31) } }),
    ]),
    type: "new",
  });
  expectFailure(t, check, 4, "device", /new_public_key: a ed25519 key is 32 bytes, got 31/);
  t.is(
    (await a.run(bob, [ownerMsg("RotateDeviceKey", bob, "D035_0001", { newPublicKey: ed25519Key("b") })]))
      .code,
    8,
  );
});

test("transfer moves the device between owner indexes; only the new owner may change it then", async (t) => {
  const a = await startDeviceApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  await a.run(alice, [registerMsg(alice, "D035_0001")]);
  await a.run(alice, [shareMsg(alice, "D035_0001")]);
  expectFailure(
    t,
    await a.run(alice, [ownerMsg("TransferDeviceOwnership", alice, "D035_0001", { newOwner: alice })]),
    12,
    "device",
    /device D035_0001: new owner is the current owner$/,
  );
  const bad = await a.app.checkTx({
    tx: await a.signDevice(alice, [
      ownerMsg("TransferDeviceOwnership", alice, "D035_0001", { newOwner: "sensor1xyz" }),
    ]),
    type: "new",
  });
  expectFailure(t, bad, 7, "sdk", /invalid new_owner address "sensor1xyz": invalid address$/);
  const moved = await a.run(alice, [
    ownerMsg("TransferDeviceOwnership", alice, "D035_0001", { newOwner: bob }),
  ]);
  t.is(moved.code, 0, moved.log);
  t.deepEqual(eventsOf(moved.events, "sensorchain.device.v1.EventDeviceOwnershipTransferred"), [
    { device_id: "D035_0001", previous_owner: alice, new_owner: bob, msg_index: "0" },
  ]);
  const stored = await getDevice(a, "D035_0001");
  t.is(stored.owner, bob);
  t.true(stored.shared, "shared state and terms move with the device");
  const byAlice = await a.queryDevice("DevicesByOwner", { owner: alice }, pb.QueryDevicesByOwnerResponse);
  const byBob = await a.queryDevice("DevicesByOwner", { owner: bob }, pb.QueryDevicesByOwnerResponse);
  t.deepEqual(
    byAlice.devices.map((d) => d.id),
    [],
  );
  t.deepEqual(
    byBob.devices.map((d) => d.id),
    ["D035_0001"],
  );
  t.is((await a.run(alice, [ownerMsg("RetireDevice", alice, "D035_0001")])).code, 8);
  t.is((await a.run(bob, [ownerMsg("UnshareDevice", bob, "D035_0001")])).code, 0);
  t.deepEqual(await a.app.checkInvariants(), []);
});

test("retire unshares, counts, and makes every later change fail; the id is never reused", async (t) => {
  const a = await startDeviceApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  await a.run(alice, [registerMsg(alice, "D035_0001")]);
  await a.run(alice, [shareMsg(alice, "D035_0001")]);
  const retired = await a.run(alice, [ownerMsg("RetireDevice", alice, "D035_0001")]);
  t.is(retired.code, 0, retired.log);
  t.deepEqual(eventsOf(retired.events, "sensorchain.device.v1.EventDeviceRetired"), [
    { device_id: "D035_0001", owner: alice, msg_index: "0" },
  ]);
  const stored = await getDevice(a, "D035_0001");
  t.is(stored.status, pb.DeviceStatus.DEVICE_STATUS_RETIRED);
  t.false(stored.shared);
  t.deepEqual(await counts(a), { total: 1, active: 0, retired: 1, shared: 0 });
  const shared = await a.queryDevice("SharedDevices", {}, pb.QuerySharedDevicesResponse);
  t.is(shared.devices.length, 0);
  const later = [
    ownerMsg("RetireDevice", alice, "D035_0001"),
    shareMsg(alice, "D035_0001"),
    ownerMsg("UnshareDevice", alice, "D035_0001"),
    ownerMsg("UpdateDeviceMetadata", alice, "D035_0001", { metadata: METADATA }),
    ownerMsg("RotateDeviceKey", alice, "D035_0001", { newPublicKey: ed25519Key("new") }),
    ownerMsg("TransferDeviceOwnership", alice, "D035_0001", { newOwner: bob }),
  ];
  for (const msg of later) {
    const result = await a.run(alice, [msg]);
    expectFailure(t, result, 9, "device", /device D035_0001: device is retired$/);
  }
  t.is((await a.run(bob, [registerMsg(bob, "D035_0001")])).code, 6);
  t.deepEqual(await a.app.checkInvariants(), []);
});

test("a failing message reverts the whole tx: nothing of the first message stays", async (t) => {
  const a = await startDeviceApp(t);
  const [alice] = a.w.addresses as [string];
  const result = await a.run(alice, [registerMsg(alice, "D035_0001"), registerMsg(alice, "D035_0001")]);
  t.is(result.code, 6);
  t.deepEqual(await counts(a), { total: 0, active: 0, retired: 0, shared: 0 });
  t.deepEqual(await a.queryError("Device", { deviceId: "D035_0001" }), {
    code: 7,
    codespace: "device",
    log: "device D035_0001: device not found",
  });
});
