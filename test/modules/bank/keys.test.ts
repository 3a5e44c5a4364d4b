// Balance amounts and keys are encoded by hand on the hot path: same bytes as the UTF-8 encodings
// they replace, same values and errors back.
import test from "ava";
import { encodeAddress } from "../../../chain/crypto/bech32.ts";
import { balanceKey, decodeAmount, encodeAmount, parseBalanceKey } from "../../../modules/bank/keys.ts";

const utf8 = new TextEncoder();

test("amounts: decimal ASCII both ways; anything else takes the general path", (t) => {
  for (const amount of [0n, 1n, 9n, 10n, 2500n, 999_999_999n, 2n ** 64n, 2n ** 256n - 1n]) {
    t.deepEqual(encodeAmount(amount), utf8.encode(amount.toString()));
    t.is(decodeAmount(encodeAmount(amount)), amount);
  }
  t.is(decodeAmount(utf8.encode(" 12")), 12n, "as BigInt reads it");
  t.throws(() => decodeAmount(Uint8Array.of(0xa0, 0x31)), { instanceOf: SyntaxError });
  t.throws(() => decodeAmount(utf8.encode("1x")), { instanceOf: SyntaxError });
});

test("balance keys are 0x02 | len | address | denom, equal on repeated (cached) calls", (t) => {
  const address = encodeAddress(new Uint8Array(20).fill(3));
  const first = balanceKey(address, "usensor");
  t.deepEqual([...first.subarray(0, 2)], [0x02, 20]);
  t.deepEqual(parseBalanceKey(first), { address, denom: "usensor" });
  first[5] = 0xff;
  t.deepEqual(
    parseBalanceKey(balanceKey(address, "usensor")),
    { address, denom: "usensor" },
    "callers own their copy",
  );
});
