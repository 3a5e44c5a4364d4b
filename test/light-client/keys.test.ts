// The light client's restated store keys equal the modules' own (modules/*/keys.ts).

import { toBech32 } from "@cosmjs/encoding";
import test from "ava";
import { toHex } from "../../chain/types/bytes.ts";
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

const ADDRESS = toBech32("sensor", new Uint8Array(20).fill(7));

test("account, balance and native denom keys match the modules", (t) => {
  t.is(LIGHT_AUTH_STORE, AUTH_STORE);
  t.is(LIGHT_BANK_STORE, BANK_STORE);
  t.is(toHex(accountStoreKey(ADDRESS)), toHex(accountKey(ADDRESS)));
  t.is(toHex(balanceStoreKey(ADDRESS, "usensor")), toHex(balanceKey(ADDRESS, "usensor")));
  t.is(toHex(NATIVE_DENOM_KEY), toHex(BANK_NATIVE_DENOM_KEY));
});
