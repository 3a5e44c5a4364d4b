// Canonical proto3 bytes (proto/canonical.ts): explicitly set defaults are omitted at every depth,
// present sub-messages stay present, fields come in number order, and the copies of Cosmos types
// encode exactly as cosmjs-types (ts-proto, which omits defaults) does.
import test from "ava";
import { PageRequest as CosmjsPageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { Coin as CosmjsCoin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import { encodeCanonical, stripDefaults, toLong } from "../../proto/canonical.ts";
import { cosmos, sensorchain } from "../../proto/gen/device.js";

const pb = sensorchain.device.v1;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Field numbers of the top-level fields of a message, in the order they were written. */
function fieldOrder(bytes: Uint8Array): number[] {
  const numbers: number[] = [];
  let i = 0;
  const varint = () => {
    let value = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[i++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
      shift += 7n;
    }
  };
  while (i < bytes.length) {
    const tag = Number(varint());
    numbers.push(tag >> 3);
    if ((tag & 7) === 0) varint();
    else if ((tag & 7) === 2) {
      const length = Number(varint());
      i += length;
    } else throw new Error(`unexpected wire type ${tag & 7}`);
  }
  return numbers;
}

test("explicit zero, empty string, empty bytes, false and enum 0 are omitted", (t) => {
  const message = {
    id: "",
    owner: "",
    shared: false,
    status: 0,
    registrationHeight: toLong(0n),
    keyRotationHeight: 0n as unknown as ReturnType<typeof toLong>,
  };
  t.is(hex(pb.Device.encode(message).finish()).length > 0, true, "protobufjs alone writes the defaults");
  t.is(hex(encodeCanonical(pb.Device, message)), "");
});

test("a present sub-message stays (empty), and its own defaults are stripped", (t) => {
  const bytes = encodeCanonical(pb.Device, {
    id: "A",
    publicKey: { type: 0, key: new Uint8Array(0) },
    metadata: { model: "", unit: "kWh", locationHint: "" },
  });
  // 0a 01 41 (id "A") · 1a 00 (public_key {}) · 22 05 12 03 6b5768 (metadata {unit "kWh"})
  t.is(hex(bytes), "0a01411a00220512036b5768");
});

test("bigint 64-bit fields encode like Long; a bigint zero is omitted", (t) => {
  const fromBigInt = encodeCanonical(pb.DeviceCounts, { total: 300n, active: 0n } as never);
  const fromLong = encodeCanonical(pb.DeviceCounts, { total: toLong(300n) });
  t.is(hex(fromBigInt), "08ac02");
  t.is(hex(fromLong), "08ac02");
});

test("repeated fields keep empty elements; an empty list writes nothing", (t) => {
  t.is(hex(encodeCanonical(pb.Params, { sectorCodes: [] })), "");
  t.is(hex(encodeCanonical(pb.Params, { sectorCodes: ["", "D035"] })), "0a000a0444303335");
  const nested = encodeCanonical(pb.QueryDevicesByOwnerResponse, {
    devices: [{ id: "", shared: false }, { id: "B" }],
  });
  t.is(hex(nested), "0a000a030a0142");
});

test("fields come in field-number order whatever the object's key order", (t) => {
  const bytes = encodeCanonical(pb.Device, {
    keyRotationHeight: toLong(9n),
    status: 1,
    shared: true,
    registrationHeight: toLong(7n),
    metadata: { locationHint: "x", model: "m" },
    owner: "o",
    id: "i",
  });
  t.deepEqual(fieldOrder(bytes), [1, 2, 4, 5, 7, 8, 9]);
  t.deepEqual(fieldOrder(pb.DeviceMetadata.encode(pb.Device.decode(bytes).metadata!).finish()), [1, 3]);
});

test("decode → canonical encode is the identity on canonical bytes", (t) => {
  const device = {
    id: "D035_0001",
    owner: "sensor1abc",
    publicKey: { type: 1, key: new Uint8Array(32).fill(9) },
    metadata: { model: "m", unit: "kWh", locationHint: "Berlin" },
    shared: true,
    shareTerms: { unit: 2, price: { denom: "usensor", amount: "0" } },
    status: 1,
    registrationHeight: toLong(12n),
  };
  const bytes = encodeCanonical(pb.Device, device);
  t.is(hex(encodeCanonical(pb.Device, pb.Device.decode(bytes))), hex(bytes));
  t.deepEqual(stripDefaults({ a: 0, b: { c: "" } }), { b: {} });
});

test("our copies of PageRequest and Coin encode exactly as cosmjs-types", (t) => {
  const pages = [
    {},
    { key: new Uint8Array(0), offset: 0n, limit: 0n, countTotal: false, reverse: false },
    { key: Uint8Array.of(1, 2), limit: 10n },
    { offset: 5n, countTotal: true, reverse: true },
    { limit: 2n ** 64n - 1n },
  ];
  for (const page of pages) {
    const ours = encodeCanonical(cosmos.base.query.v1beta1.PageRequest, page as never);
    const theirs = CosmjsPageRequest.encode(CosmjsPageRequest.fromPartial(page)).finish();
    t.is(hex(ours), hex(theirs));
  }
  for (const coin of [
    { denom: "usensor", amount: "0" },
    { denom: "", amount: "" },
    { denom: "u", amount: "1" },
  ]) {
    t.is(hex(encodeCanonical(cosmos.base.v1beta1.Coin, coin)), hex(CosmjsCoin.encode(coin).finish()));
  }
});
