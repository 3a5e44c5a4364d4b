// The light client's restated store keys equal the modules' own (modules/*/keys.ts).

import { toBech32 } from "@cosmjs/encoding";
import test from "ava";
import { toHex } from "../../chain/types/bytes.ts";
import { LightClientError } from "../../light-client/errors.ts";
import * as lightKeys from "../../light-client/keys.ts";
import {
  accountStoreKey,
  balanceStoreKey,
  AUTH_STORE as LIGHT_AUTH_STORE,
  BANK_STORE as LIGHT_BANK_STORE,
  NATIVE_DENOM_KEY,
} from "../../light-client/keys.ts";
import { STORE_NAME as AUTH_STORE, accountKey } from "../../modules/auth/keys.ts";
import {
  NATIVE_DENOM_KEY as BANK_NATIVE_DENOM_KEY,
  STORE_NAME as BANK_STORE,
  balanceKey,
} from "../../modules/bank/keys.ts";
import * as device from "../../modules/device/keys.ts";
import * as escrow from "../../modules/escrow/keys.ts";
import * as identity from "../../modules/identity/keys.ts";
import * as meter from "../../modules/meter/keys.ts";

const ADDRESS = toBech32("sensor", new Uint8Array(20).fill(7));

test("account, balance and native denom keys match the modules", (t) => {
  t.is(LIGHT_AUTH_STORE, AUTH_STORE);
  t.is(LIGHT_BANK_STORE, BANK_STORE);
  t.is(toHex(accountStoreKey(ADDRESS)), toHex(accountKey(ADDRESS)));
  t.is(toHex(balanceStoreKey(ADDRESS, "usensor")), toHex(balanceKey(ADDRESS, "usensor")));
  t.is(toHex(NATIVE_DENOM_KEY), toHex(BANK_NATIVE_DENOM_KEY));
});

test("device, escrow, identity and meter keys match the modules", (t) => {
  const light = lightKeys;
  t.is(light.DEVICE_STORE, device.STORE_NAME);
  t.is(light.ESCROW_STORE, escrow.STORE_NAME);
  t.is(light.IDENTITY_STORE, identity.STORE_NAME);
  t.is(light.METER_STORE, meter.STORE_NAME);
  t.is(toHex(light.deviceStoreKey("D035_0001")), toHex(device.deviceKey("D035_0001")));
  t.is(
    toHex(light.deviceOwnerIndexKey(ADDRESS, "D035_12345")),
    toHex(device.ownerIndexKey(ADDRESS, "D035_12345")),
  );
  for (const id of [1n, 255n, 2n ** 40n + 3n]) {
    t.is(toHex(light.escrowStoreKey(id)), toHex(escrow.escrowKey(id)));
    t.is(toHex(light.escrowConsumerIndexKey(ADDRESS, id)), toHex(escrow.consumerIndexKey(ADDRESS, id)));
    t.is(toHex(light.tokenStoreKey(id)), toHex(identity.tokenKey(id)));
  }
  t.is(toHex(light.tokenOwnerIndexKey(ADDRESS)), toHex(identity.ownerIndexKey(ADDRESS)));
  for (const day of [0n, 20_412n, 0xffff_ffffn])
    t.is(toHex(light.commitmentStoreKey("D035_0001", day)), toHex(meter.commitmentKey("D035_0001", day)));
  t.throws(() => light.deviceStoreKey("bad id"), { instanceOf: LightClientError });
  t.throws(() => light.commitmentStoreKey("D035_0001", 2n ** 32n), { instanceOf: LightClientError });
  t.throws(() => light.escrowStoreKey(-1n), { instanceOf: LightClientError });
});
