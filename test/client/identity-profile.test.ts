// Profile encryption and login without a node: a fixed vector, tampering, bounds, and every login
// failure code against an in-memory IdentitySource.
import { Secp256k1HdWallet } from "@cosmjs/amino";
import test from "ava";
import {
  createLoginChallenge,
  decryptProfile,
  encryptProfile,
  HEADER_BYTES,
  type IdentitySource,
  LoginError,
  login,
  ProfileError,
  profileCid,
  signLoginChallenge,
} from "../../client/index.ts";
import type { IdentityToken } from "../../modules/identity/codec.ts";

const SECRET = "a long company secret";
const FAST = { scrypt: { log2N: 10, r: 8, p: 1 } };
const MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

test("profileCid is CIDv1 raw sha2-256 base32 (known vector: empty input)", async (t) => {
  // sha256("") = e3b0c442…; the raw-codec CIDv1 of the empty block is a well-known value.
  t.is(await profileCid(new Uint8Array(0)), "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
});

test("fixed salt and nonce give fixed bytes; round trip; any flipped byte fails", async (t) => {
  const options = { ...FAST, salt: new Uint8Array(16).fill(1), nonce: new Uint8Array(12).fill(2) };
  const one = await encryptProfile({ name: "Acme" }, SECRET, options);
  const two = await encryptProfile({ name: "Acme" }, SECRET, options);
  t.deepEqual(one, two);
  t.deepEqual([...one.subarray(0, 9)], [0x53, 0x43, 0x50, 0x42, 1, 1, 10, 8, 1]);
  t.deepEqual(await decryptProfile(one, SECRET), { name: "Acme" });
  // Random salt and nonce by default: two encryptions differ.
  t.notDeepEqual(
    await encryptProfile({ name: "Acme" }, SECRET, FAST),
    await encryptProfile({ name: "Acme" }, SECRET, FAST),
  );
  for (const index of [9, 30, HEADER_BYTES, one.length - 1]) {
    const tampered = one.slice();
    tampered[index]! ^= 1;
    const error = await t.throwsAsync(decryptProfile(tampered, SECRET), { instanceOf: ProfileError });
    t.is(error?.code, "wrong_secret", `byte ${index}`);
  }
});

test("refusals: weak secret, malformed profile, malformed header, hostile scrypt cost", async (t) => {
  t.is(
    (await t.throwsAsync(encryptProfile({ name: "A" }, "short", FAST), { instanceOf: ProfileError }))?.code,
    "weak_secret",
  );
  t.is(
    (await t.throwsAsync(encryptProfile({ name: "" }, SECRET, FAST), { instanceOf: ProfileError }))?.code,
    "malformed_profile",
  );
  t.is(
    (
      await t.throwsAsync(encryptProfile({ name: "A", annualConsumptionKwh: 1.5 as never }, SECRET, FAST), {
        instanceOf: ProfileError,
      })
    )?.code,
    "malformed_profile",
  );
  const blob = await encryptProfile({ name: "A" }, SECRET, FAST);
  const badMagic = blob.slice();
  badMagic[0] = 0;
  t.is(
    (await t.throwsAsync(decryptProfile(badMagic, SECRET), { instanceOf: ProfileError }))?.code,
    "malformed_blob",
  );
  const hostile = blob.slice();
  hostile[6] = 30; // N = 2^30 would need 128 GiB
  t.is(
    (await t.throwsAsync(decryptProfile(hostile, SECRET), { instanceOf: ProfileError }))?.code,
    "malformed_blob",
  );
  t.is(
    (await t.throwsAsync(decryptProfile(blob.subarray(0, 40), SECRET), { instanceOf: ProfileError }))?.code,
    "malformed_blob",
  );
});

async function fixture() {
  const wallet = await Secp256k1HdWallet.fromMnemonic(MNEMONIC, { prefix: "sensor" });
  const address = (await wallet.getAccounts())[0]!.address;
  const blob = await encryptProfile({ name: "Acme" }, SECRET, FAST);
  const cid = await profileCid(blob);
  const token: IdentityToken = {
    classId: "company",
    tokenId: 1n,
    owner: address,
    profileCid: cid,
    sector: "D035",
    verified: false,
    status: "active",
    revocationReason: "",
    registrationHeight: 1n,
    profileUpdateHeight: 0n,
    verifiedHeight: 0n,
    revokedHeight: 0n,
  };
  const blobs = new Map([[cid, blob]]);
  const tokens = new Map([[address, token]]);
  const source: IdentitySource = {
    tokenByOwner: async (owner) => tokens.get(owner),
    blob: async (key) => blobs.get(key),
  };
  const issuedAt = new Date("2025-01-01T00:00:00Z");
  const challenge = createLoginChallenge({
    chainId: "test-1",
    issuedAt,
    nonce: new Uint8Array(32).fill(9),
  }).text;
  const signature = await signLoginChallenge(wallet, address, challenge);
  return { address, blob, cid, token, blobs, tokens, source, challenge, signature, issuedAt };
}

async function code(t: import("ava").ExecutionContext, attempt: Promise<unknown>) {
  return (await t.throwsAsync(attempt, { instanceOf: LoginError }))?.code;
}

test("login succeeds, and each failure has its code", async (t) => {
  const f = await fixture();
  const base = {
    address: f.address,
    challenge: f.challenge,
    signature: f.signature,
    secret: SECRET,
    source: f.source,
  };
  t.deepEqual((await login(base)).profile, { name: "Acme" });
  t.is(await code(t, login({ ...base, challenge: "hello" })), "bad_challenge");
  t.is(
    await code(
      t,
      login({ ...base, now: new Date(f.issuedAt.getTime() + 600_000), maxChallengeAgeMs: 300_000 }),
    ),
    "expired_challenge",
  );
  const forged = { ...f.signature, signature: Buffer.alloc(64, 1).toString("base64") };
  t.is(await code(t, login({ ...base, signature: forged })), "bad_signature");
  t.is(await code(t, login({ ...base, secret: "another long secret" })), "wrong_secret");
  f.tokens.set(f.address, { ...f.token, status: "revoked", revocationReason: "x" });
  t.is(await code(t, login(base)), "revoked");
  f.tokens.set(f.address, f.token);
  f.blobs.set(f.cid, await encryptProfile({ name: "Other" }, SECRET, FAST));
  t.is(await code(t, login(base)), "cid_mismatch");
  f.blobs.delete(f.cid);
  t.is(await code(t, login(base)), "blob_not_found");
  f.tokens.delete(f.address);
  t.is(await code(t, login(base)), "no_token");
});
