// Base accounts are encoded and decoded by hand (modules/auth/codec.ts): the bytes must equal the
// generated encoders' (they are hashed into the app hash) and decoding must give back the account.
import test from "ava";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { Any } from "cosmjs-types/google/protobuf/any";
import type { AccountState } from "../../../chain/app/ante-keepers.ts";
import { decodeAccount, encodeAccount } from "../../../modules/auth/codec.ts";

function generated(account: AccountState): Uint8Array {
  const base: BaseAccount = {
    address: account.address,
    accountNumber: account.accountNumber,
    sequence: account.sequence,
  };
  if (account.pubKey !== undefined)
    base.pubKey = {
      typeUrl: "/cosmos.crypto.secp256k1.PubKey",
      value: PubKey.encode({ key: account.pubKey }).finish(),
    };
  return Any.encode({
    typeUrl: "/cosmos.auth.v1beta1.BaseAccount",
    value: BaseAccount.encode(base).finish(),
  }).finish();
}

const key = Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 2 : i * 7));
const numbers = [0n, 1n, 127n, 128n, 16_383n, 16_384n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n];

test("base accounts encode byte-identically to the generated encoders and decode back", (t) => {
  const addresses = ["", "sensor1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", "ü".repeat(70)];
  let cases = 0;
  for (const address of addresses)
    for (const pubKey of [undefined, key])
      for (const accountNumber of numbers)
        for (const sequence of [0n, 1n, 300n, 2n ** 64n - 1n]) {
          const account: AccountState = { address, accountNumber, sequence, pubKey };
          const bytes = encodeAccount(account);
          t.deepEqual(bytes, generated(account));
          t.deepEqual(decodeAccount(bytes), account);
          cases++;
        }
  t.is(cases, addresses.length * 2 * numbers.length * 4);
});

test("an empty key and unknown fields decode as the generated decoder reads them", (t) => {
  const empty: AccountState = { address: "a", accountNumber: 1n, sequence: 2n, pubKey: new Uint8Array(0) };
  t.deepEqual(encodeAccount(empty), generated(empty));
  t.is(decodeAccount(encodeAccount(empty)).pubKey, undefined, "a key-less Any reads as no key");
  const withUnknown = BaseAccount.encode({ address: "a", accountNumber: 5n, sequence: 6n }).finish();
  const extended = new Uint8Array([...withUnknown, (9 << 3) | 0, 42, (10 << 3) | 2, 1, 0xff]);
  const stored = Any.encode({ typeUrl: "/cosmos.auth.v1beta1.BaseAccount", value: extended }).finish();
  t.deepEqual(decodeAccount(stored), { address: "a", accountNumber: 5n, sequence: 6n, pubKey: undefined });
  t.throws(() => encodeAccount({ address: "a", accountNumber: 2n ** 64n, sequence: 0n, pubKey: undefined }), {
    instanceOf: RangeError,
  });
});

test("module accounts keep their type", (t) => {
  const account: AccountState = {
    address: "sensor1module",
    accountNumber: 3n,
    sequence: 0n,
    pubKey: undefined,
    module: { name: "fee_collector", permissions: [] },
  };
  t.deepEqual(decodeAccount(encodeAccount(account)), account);
});
