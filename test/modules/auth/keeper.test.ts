// AuthKeeper keeps accounts decoded by their stored bytes (read at ingress, in checkTx and in
// finalizeBlock): what it hands out must still be the caller's own copy and equal a fresh decode.
import test from "ava";
import type { AccountState } from "../../../chain/app/ante-keepers.ts";
import { StoreContext } from "../../../chain/app/context.ts";
import { encodeAddress } from "../../../chain/crypto/bech32.ts";
import { decodeAccount, encodeAccount } from "../../../modules/auth/codec.ts";
import { AuthKeeper } from "../../../modules/auth/keeper.ts";
import { accountKey, STORE_NAME } from "../../../modules/auth/keys.ts";
import { openTestStore } from "../../helpers/app.ts";

const ADDRESS = encodeAddress(new Uint8Array(20).fill(3));
const KEY = Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 2 : i));
const BLOCK = { height: 1n, time: { seconds: 0n, nanos: 0 }, chainId: "test" };

test("accounts read back equal to a fresh decode, as copies the caller may change", async (t) => {
  const store = await openTestStore(t, [STORE_NAME]);
  const ctx = new StoreContext(BLOCK, "deliver", store.cacheMultiStore());
  const keeper = new AuthKeeper(new Map([["fee_collector", []]]));
  const written: AccountState = { address: ADDRESS, accountNumber: 7n, sequence: 3n, pubKey: KEY.slice() };
  keeper.setAccount(ctx, written);
  // The writer's object and key stay the writer's: changing them changes nothing stored.
  written.sequence = 99n;
  written.pubKey![1] = 0xee;
  const first = keeper.getAccount(ctx, ADDRESS)!;
  const fresh = decodeAccount(ctx.store(STORE_NAME).get(accountKey(ADDRESS))!);
  t.deepEqual(first, fresh);
  t.deepEqual(first, { address: ADDRESS, accountNumber: 7n, sequence: 3n, pubKey: KEY });
  first.sequence = 100n;
  t.is(keeper.getAccount(ctx, ADDRESS)!.sequence, 3n, "a reader's change is not seen by the next reader");
  keeper.updateAccount(ctx, { ...fresh, sequence: 4n });
  t.is(keeper.getAccount(ctx, ADDRESS)!.sequence, 4n);
});

test("module accounts and key-less accounts read back as a fresh decode gives them", async (t) => {
  const store = await openTestStore(t, [STORE_NAME]);
  const ctx = new StoreContext(BLOCK, "deliver", store.cacheMultiStore());
  const keeper = new AuthKeeper(new Map([["fee_collector", []]]));
  const module = keeper.getOrCreateModuleAccount(ctx, "fee_collector");
  t.deepEqual(
    keeper.getAccount(ctx, module.address),
    decodeAccount(ctx.store(STORE_NAME).get(accountKey(module.address))!),
  );
  t.deepEqual(keeper.getAccount(ctx, module.address)!.module, { name: "fee_collector", permissions: [] });
  keeper.setAccount(ctx, { address: ADDRESS, accountNumber: 1n, sequence: 0n, pubKey: new Uint8Array(0) });
  t.is(
    keeper.getAccount(ctx, ADDRESS)!.pubKey,
    undefined,
    "an empty key reads as none, as decodeAccount has it",
  );
});

test("an account written again, equal or changed in any field, is stored as its own encoding", async (t) => {
  const store = await openTestStore(t, [STORE_NAME]);
  const ctx = new StoreContext(BLOCK, "deliver", store.cacheMultiStore());
  const keeper = new AuthKeeper(new Map([["fee_collector", []]]));
  const base: AccountState = { address: ADDRESS, accountNumber: 7n, sequence: 3n, pubKey: KEY.slice() };
  const otherKey = KEY.slice();
  otherKey[5] = 0xaa;
  // Each write follows one that may have left an encoding to reuse (same address).
  for (const account of [
    base,
    { ...base },
    { ...base, sequence: 4n },
    { ...base, sequence: 4n, pubKey: otherKey },
    { ...base, sequence: 4n, pubKey: undefined },
    { ...base, sequence: 4n, pubKey: new Uint8Array(0) },
    { ...base, sequence: 4n, accountNumber: 8n },
    { ...base, module: { name: "fee_collector", permissions: [] } },
    base,
  ]) {
    keeper.setAccount(ctx, account);
    t.deepEqual(ctx.store(STORE_NAME).get(accountKey(ADDRESS)), encodeAccount(account));
    t.deepEqual(keeper.getAccount(ctx, ADDRESS), decodeAccount(encodeAccount(account)));
  }
});
