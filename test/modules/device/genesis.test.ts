// Device genesis: defaults, validation of every record, import rebuilding indexes and counters,
// MsgUpdateParams by the authority, and export → import giving the same app hash.
import test from "ava";
import { GenesisError } from "../../../chain/app/errors.ts";
import { encodeAddress } from "../../../chain/crypto/bech32.ts";
import { device as pb } from "../../../client/index.ts";
import { moduleAddress } from "../../../modules/auth/keys.ts";
import { deviceModule } from "../../../modules/device/module.ts";
import { DEFAULT_SECTOR_CODES } from "../../../modules/device/sectors.ts";
import { ed25519Key, ownerMsg, registerMsg, shareMsg, startDeviceApp } from "./helpers.ts";

const VALID = encodeAddress(new Uint8Array(20).fill(7));

function deviceJson(overrides: Record<string, unknown> = {}) {
  return {
    id: "D035_0001",
    owner: VALID,
    public_key: { type: "KEY_TYPE_ED25519", key: Buffer.from(ed25519Key("g").key).toString("base64") },
    metadata: { model: "m", unit: "kWh", location_hint: "" },
    shared: false,
    status: "DEVICE_STATUS_ACTIVE",
    registration_height: "0",
    ...overrides,
  };
}

test("the default genesis has the NACE division codes and the poa module as authority", (t) => {
  const module = deviceModule();
  const genesis = module.defaultGenesis!() as { params: { sector_codes: string[] }; authority: string };
  t.is(genesis.params.sector_codes.length, 88);
  t.deepEqual(genesis.params.sector_codes, [...DEFAULT_SECTOR_CODES]);
  t.is(genesis.authority, moduleAddress("poa"));
  t.notThrows(() => module.validateGenesis!(genesis));
});

const invalid: [string, unknown, RegExp][] = [
  ["not an object", [], /app_state.device must be an object/],
  ["empty sector list", { params: { sector_codes: [] } }, /params: sector_codes is empty/],
  ["bad sector code", { params: { sector_codes: ["D35"] } }, /"D35" is not 4 characters/],
  ["duplicate sector code", { params: { sector_codes: ["D035", "D035"] } }, /duplicate sector code D035/],
  ["bad authority", { authority: "x" }, /authority: invalid authority address/],
  ["bad device id", { devices: [deviceJson({ id: "D035-1" })] }, /devices\[0\].id/],
  ["bad owner", { devices: [deviceJson({ owner: "x" })] }, /devices\[0\].owner/],
  [
    "bad key",
    { devices: [deviceJson({ public_key: { type: "KEY_TYPE_P256", key: "AA==" } })] },
    /devices\[0\].public_key/,
  ],
  ["unknown status", { devices: [deviceJson({ status: "DEVICE_STATUS_UNSPECIFIED" })] }, /devices\[0\]/],
  ["shared without terms", { devices: [deviceJson({ shared: true })] }, /has no share_terms/],
  [
    "terms without shared",
    {
      devices: [
        deviceJson({
          share_terms: { unit: "PRICING_UNIT_PER_DAY", price: { denom: "usensor", amount: "1" } },
        }),
      ],
    },
    /has share_terms but is not shared/,
  ],
  [
    "shared and retired",
    {
      devices: [
        deviceJson({
          shared: true,
          status: "DEVICE_STATUS_RETIRED",
          share_terms: { unit: "PRICING_UNIT_PER_DAY", price: { denom: "usensor", amount: "1" } },
        }),
      ],
    },
    /retired device D035_0001 cannot be shared/,
  ],
  ["duplicate device", { devices: [deviceJson(), deviceJson()] }, /duplicate device D035_0001/],
  ["wrong field type", { devices: "x" }, /app_state.device/],
];

for (const [name, genesis, message] of invalid) {
  test(`genesis is refused: ${name}`, (t) => {
    const error = t.throws(() => deviceModule().validateGenesis!(genesis), { instanceOf: GenesisError });
    t.regex(error!.message, message);
  });
}

test("MsgUpdateParams: only the authority; new sectors become registrable", async (t) => {
  const w = (await import("../../helpers/app.ts")).wallets;
  const [alice, bob] = (await w(4)).addresses as [string, string];
  const a = await startDeviceApp(t, {
    genesis: {
      bank: {
        balances: [alice, bob].map((address) => ({
          address,
          coins: [{ denom: "usensor", amount: "1000000000" }],
        })),
      },
      device: { params: { sector_codes: ["D035"] }, authority: alice },
    },
  });
  t.is((await a.run(alice, [registerMsg(alice, "C010_0001")])).code, 3);
  const update = (authority: string, codes: string[]) => ({
    typeUrl: "/sensorchain.device.v1.MsgUpdateParams",
    value: { authority, params: { sectorCodes: codes } },
  });
  const refused = await a.run(bob, [update(bob, ["D035", "C010"])]);
  t.is(refused.code, 14);
  t.is(refused.codespace, "device");
  t.regex(refused.log, new RegExp(`expected ${alice}, got ${bob}: invalid authority$`));
  const check = await a.app.checkTx({ tx: await a.signDevice(alice, [update(alice, ["bad"])]), type: "new" });
  t.is(check.code, 15);
  const ok = await a.run(alice, [update(alice, ["D035", "C010"])]);
  t.is(ok.code, 0, ok.log);
  t.is((await a.run(alice, [registerMsg(alice, "C010_0001")])).code, 0);
  // Removing a sector keeps its devices valid (and exportable).
  t.is((await a.run(alice, [update(alice, ["D035"])])).code, 0);
  t.is(
    (await a.queryDevice("Device", { deviceId: "C010_0001" }, pb.QueryDeviceResponse)).device!.id,
    "C010_0001",
  );
  const exported = await a.app.exportGenesis();
  t.notThrows(() => deviceModule().validateGenesis!(exported.device));
});

test("genesis export then import gives the same app hash, indexes and counters", async (t) => {
  const a = await startDeviceApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  await a.runMany([
    { from: alice, msgs: [registerMsg(alice, "D035_0001"), registerMsg(alice, "D035_0002")] },
    { from: bob, msgs: [registerMsg(bob, "C010_0001")] },
  ]);
  await a.runMany([
    { from: alice, msgs: [shareMsg(alice, "D035_0001", "5")] },
    { from: bob, msgs: [ownerMsg("RetireDevice", bob, "C010_0001")] },
  ]);
  await a.run(alice, [ownerMsg("RotateDeviceKey", alice, "D035_0002", { newPublicKey: ed25519Key("r") })]);
  const exported = await a.app.exportGenesis();
  const devices = (exported.device as { devices: Record<string, unknown>[] }).devices;
  t.is(devices.length, 3);
  t.like(devices[1], {
    id: "D035_0001",
    shared: true,
    status: "DEVICE_STATUS_ACTIVE",
    registration_height: "1",
  });
  t.like(devices[2], { id: "D035_0002", key_rotation_height: "3" });
  const again = await a.app.exportGenesis();
  t.deepEqual(again, exported);

  const one = await startDeviceApp(t, { genesis: exported });
  const two = await startDeviceApp(t, { genesis: JSON.parse(JSON.stringify(exported)) });
  const hashOne = (await one.app.info()).lastBlockAppHash;
  t.deepEqual(hashOne, (await two.app.info()).lastBlockAppHash);
  t.deepEqual(await one.app.exportGenesis(), exported);
  t.deepEqual(await one.app.checkInvariants(), []);
  const counts = (await one.queryDevice("DeviceCounts", {}, pb.QueryDeviceCountsResponse)).counts!;
  t.deepEqual([counts.total, counts.active, counts.retired, counts.shared].map(String), ["3", "2", "1", "1"]);
  const shared = await one.queryDevice("SharedDevices", {}, pb.QuerySharedDevicesResponse);
  t.deepEqual(
    shared.devices.map((d) => d.id),
    ["D035_0001"],
  );
  const byBob = await one.queryDevice("DevicesByOwner", { owner: bob }, pb.QueryDevicesByOwnerResponse);
  t.deepEqual(
    byBob.devices.map((d) => d.id),
    ["C010_0001"],
  );
});
