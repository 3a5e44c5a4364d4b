// Device queries over committed state: by id, by owner and the shared list with SDK pagination,
// counts per sector, params, request errors; and raw keys of store "device" with ICS-23 proofs.
import test from "ava";
import { device as pb } from "../../../client/index.ts";
import { verifyChainedMembership, verifyChainedNonMembership } from "../../../light-client/ics23/index.ts";
import { deviceKey, ownerIndexKey, sharedIndexKey } from "../../../modules/device/keys.ts";
import { ownerMsg, registerMsg, shareMsg, startDeviceApp } from "./helpers.ts";

async function fleet(t: import("ava").ExecutionContext) {
  const a = await startDeviceApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  const ids = ["D035_0001", "D035_0002", "D035_0003", "C010_0001", "E036_0001"];
  await a.runMany(ids.map((id) => ({ from: alice, msgs: [registerMsg(alice, id)] })));
  await a.runMany([{ from: bob, msgs: [registerMsg(bob, "D035_0004")] }]);
  await a.runMany([
    ...["D035_0001", "D035_0003", "C010_0001"].map((id) => ({ from: alice, msgs: [shareMsg(alice, id)] })),
    { from: bob, msgs: [shareMsg(bob, "D035_0004")] },
  ]);
  return { a, alice, bob };
}

test("DevicesByOwner pages by key and by offset, in id order, with count_total and reverse", async (t) => {
  const { a, alice, bob } = await fleet(t);
  const all = await a.queryDevice("DevicesByOwner", { owner: alice }, pb.QueryDevicesByOwnerResponse);
  t.deepEqual(
    all.devices.map((d) => d.id),
    ["C010_0001", "D035_0001", "D035_0002", "D035_0003", "E036_0001"],
  );
  const first = await a.queryDevice(
    "DevicesByOwner",
    { owner: alice, pagination: { limit: 2, countTotal: true } },
    pb.QueryDevicesByOwnerResponse,
  );
  t.deepEqual(
    first.devices.map((d) => d.id),
    ["C010_0001", "D035_0001"],
  );
  t.is(String(first.pagination!.total), "5");
  t.is(new TextDecoder().decode(first.pagination!.nextKey!), "D035_0002");
  const second = await a.queryDevice(
    "DevicesByOwner",
    { owner: alice, pagination: { key: first.pagination!.nextKey, limit: 2 } },
    pb.QueryDevicesByOwnerResponse,
  );
  t.deepEqual(
    second.devices.map((d) => d.id),
    ["D035_0002", "D035_0003"],
  );
  const byOffset = await a.queryDevice(
    "DevicesByOwner",
    { owner: alice, pagination: { offset: 4, limit: 2 } },
    pb.QueryDevicesByOwnerResponse,
  );
  t.deepEqual(
    byOffset.devices.map((d) => d.id),
    ["E036_0001"],
  );
  t.is(byOffset.pagination!.nextKey!.length, 0);
  const reversed = await a.queryDevice(
    "DevicesByOwner",
    { owner: alice, pagination: { limit: 1, reverse: true } },
    pb.QueryDevicesByOwnerResponse,
  );
  t.deepEqual(
    reversed.devices.map((d) => d.id),
    ["E036_0001"],
  );
  const ofBob = await a.queryDevice("DevicesByOwner", { owner: bob }, pb.QueryDevicesByOwnerResponse);
  t.deepEqual(
    ofBob.devices.map((d) => d.id),
    ["D035_0004"],
  );
  t.deepEqual(await a.queryError("DevicesByOwner", { owner: "nobody" }), {
    code: 7,
    codespace: "sdk",
    log: 'invalid owner address "nobody": invalid address',
  });
  const both = await a.queryError("DevicesByOwner", {
    owner: alice,
    pagination: { key: Uint8Array.of(1), offset: 1 },
  });
  t.is(both.code, 18);
});

test("SharedDevices lists shared devices of all sectors or of one, paginated", async (t) => {
  const { a, alice } = await fleet(t);
  const all = await a.queryDevice("SharedDevices", {}, pb.QuerySharedDevicesResponse);
  t.deepEqual(
    all.devices.map((d) => d.id),
    ["C010_0001", "D035_0001", "D035_0003", "D035_0004"],
  );
  const energy = await a.queryDevice("SharedDevices", { sector: "D035" }, pb.QuerySharedDevicesResponse);
  t.deepEqual(
    energy.devices.map((d) => d.id),
    ["D035_0001", "D035_0003", "D035_0004"],
  );
  const page1 = await a.queryDevice(
    "SharedDevices",
    { sector: "D035", pagination: { limit: 2 } },
    pb.QuerySharedDevicesResponse,
  );
  t.deepEqual(
    page1.devices.map((d) => d.id),
    ["D035_0001", "D035_0003"],
  );
  const page2 = await a.queryDevice(
    "SharedDevices",
    { sector: "D035", pagination: { key: page1.pagination!.nextKey, limit: 2 } },
    pb.QuerySharedDevicesResponse,
  );
  t.deepEqual(
    page2.devices.map((d) => d.id),
    ["D035_0004"],
  );
  t.deepEqual(
    (await a.queryDevice("SharedDevices", { sector: "A001" }, pb.QuerySharedDevicesResponse)).devices,
    [],
  );
  await a.run(alice, [ownerMsg("UnshareDevice", alice, "D035_0001")]);
  const after = await a.queryDevice("SharedDevices", { sector: "D035" }, pb.QuerySharedDevicesResponse);
  t.deepEqual(
    after.devices.map((d) => d.id),
    ["D035_0003", "D035_0004"],
  );
  const bad = await a.queryError("SharedDevices", { sector: "energy" });
  t.deepEqual(bad, {
    code: 3,
    codespace: "device",
    log: '"energy" is not a 4-character sector code: unknown sector',
  });
});

test("Device, DeviceCounts and Params answer; bad requests get typed errors", async (t) => {
  const { a } = await fleet(t);
  const found = await a.queryDevice("Device", { deviceId: "C010_0001" }, pb.QueryDeviceResponse);
  t.is(found.device!.id, "C010_0001");
  t.deepEqual(await a.queryError("Device", { deviceId: "C010_9999" }), {
    code: 7,
    codespace: "device",
    log: "device C010_9999: device not found",
  });
  t.is((await a.queryError("Device", { deviceId: "bad" })).code, 2);
  const total = (await a.queryDevice("DeviceCounts", {}, pb.QueryDeviceCountsResponse)).counts!;
  t.deepEqual([total.total, total.active, total.retired, total.shared].map(String), ["6", "6", "0", "4"]);
  const d035 = (await a.queryDevice("DeviceCounts", { sector: "D035" }, pb.QueryDeviceCountsResponse))
    .counts!;
  t.deepEqual([d035.total, d035.shared].map(String), ["4", "3"]);
  const params = (await a.queryDevice("Params", {}, pb.QueryParamsResponse)).params!;
  t.is(params.sectorCodes!.length, 88);
  t.true(params.sectorCodes!.includes("D035"));
  const malformed = await a.query("/sensorchain.device.v1.Query/Device", Uint8Array.of(0x0a, 0x05, 0x41));
  t.is(malformed.code, 18);
});

test("raw keys of store device verify with ICS-23 proofs against the app hash", async (t) => {
  const { a, alice } = await fleet(t);
  const appHash = (await a.app.info()).lastBlockAppHash;
  const key = deviceKey("D035_0001");
  const response = await a.query("/store/device/key", key, 0n, true);
  t.is(response.code, 0, response.log);
  t.deepEqual(pb.Device.decode(response.value).id, "D035_0001");
  t.notThrows(() => verifyChainedMembership(appHash, response.proofOps, "device", key, response.value));
  const tampered = pb.Device.encode({ ...pb.Device.decode(response.value), owner: "sensor1evil" }).finish();
  t.throws(() => verifyChainedMembership(appHash, response.proofOps, "device", key, tampered));
  for (const indexKey of [ownerIndexKey(alice, "D035_0001"), sharedIndexKey("D035_0001")]) {
    const index = await a.query("/store/device/key", indexKey, 0n, true);
    t.deepEqual(Uint8Array.from(index.value), Uint8Array.of(1));
    t.notThrows(() => verifyChainedMembership(appHash, index.proofOps, "device", indexKey, index.value));
  }
  const absentKey = sharedIndexKey("D035_0002");
  const absent = await a.query("/store/device/key", absentKey, 0n, true);
  t.is(absent.value.length, 0);
  t.notThrows(() => verifyChainedNonMembership(appHash, absent.proofOps, "device", absentKey));
});
