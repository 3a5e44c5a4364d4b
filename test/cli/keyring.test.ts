// Keyring: addresses equal cosmjs' DirectSecp256k1HdWallet, file encryption round trip, wrong
// passphrase, tampering, and the unencrypted test backend.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import test from "ava";
import {
  deriveKey,
  generateMnemonic,
  Keyring,
  KeyringError,
  MnemonicError,
  normalizeMnemonic,
} from "../../chain/crypto/keyring.ts";

/** A published BIP-39 test vector mnemonic (never funded anywhere real). */
const VECTOR_MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art";

async function tempDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-keyring-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function cosmjsAddress(mnemonic: string): Promise<{ address: string; pubkey: Uint8Array }> {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "sensor" });
  const [account] = await wallet.getAccounts();
  return { address: account!.address, pubkey: account!.pubkey };
}

test("derived addresses and public keys equal cosmjs DirectSecp256k1HdWallet (prefix sensor)", async (t) => {
  const mnemonics = [VECTOR_MNEMONIC, generateMnemonic(), generateMnemonic(), generateMnemonic()];
  for (const mnemonic of mnemonics) {
    const ours = deriveKey(mnemonic);
    const theirs = await cosmjsAddress(mnemonic);
    t.is(ours.address, theirs.address);
    t.deepEqual(Buffer.from(ours.publicKey), Buffer.from(theirs.pubkey));
  }
});

test("new mnemonics have 24 words and a valid checksum", (t) => {
  const mnemonic = generateMnemonic();
  t.is(mnemonic.split(" ").length, 24);
  t.is(normalizeMnemonic(`  ${mnemonic.toUpperCase().replaceAll(" ", "   ")}\n`), mnemonic);
});

test("bad mnemonics are refused with a reason", (t) => {
  t.throws(() => normalizeMnemonic("abandon abandon"), {
    instanceOf: MnemonicError,
    message: /12, 15, 18, 21 or 24 words/,
  });
  t.throws(() => normalizeMnemonic(VECTOR_MNEMONIC.replace(/art$/, "zzzz")), {
    message: /not a BIP-39 English word/,
  });
  t.throws(() => normalizeMnemonic(VECTOR_MNEMONIC.replace(/art$/, "abandon")), { message: /checksum/ });
});

test("file keyring: encrypted at rest, decrypts with the passphrase, wallet signs as the same address", async (t) => {
  const dir = await tempDir(t);
  const keyring = new Keyring({ backend: "file", dir, passphrase: async () => "correct horse" });
  const mnemonic = generateMnemonic();
  const info = await keyring.addFromMnemonic("alice", mnemonic);
  t.is(info.address, (await cosmjsAddress(mnemonic)).address);
  const text = await readFile(join(dir, "alice.key.json"), "utf8");
  const privateKey = deriveKey(mnemonic).privateKey;
  t.false(text.includes(Buffer.from(privateKey).toString("base64")), "no plaintext private key in the file");
  t.false(text.includes(Buffer.from(privateKey).toString("hex")));
  t.false(text.includes(mnemonic.split(" ").slice(0, 3).join(" ")));
  t.deepEqual(Buffer.from(await keyring.privateKey("alice")), Buffer.from(privateKey));
  const [account] = await (await keyring.wallet("alice")).getAccounts();
  t.is(account!.address, info.address);
  t.deepEqual(
    keyring.list().map((key) => key.name),
    ["alice"],
  );
});

test("file keyring: a wrong passphrase is a clear wrong_passphrase error", async (t) => {
  const dir = await tempDir(t);
  await new Keyring({ backend: "file", dir, passphrase: async () => "correct horse" }).addFromMnemonic(
    "alice",
    generateMnemonic(),
  );
  const wrong = new Keyring({ backend: "file", dir, passphrase: async () => "wrong horse" });
  const error = await t.throwsAsync(() => wrong.privateKey("alice"), { instanceOf: KeyringError });
  t.is(error?.code, "wrong_passphrase");
  t.regex(error!.message, /wrong keyring passphrase/);
  // Adding a second key must use the keyring's passphrase, too.
  const added = await t.throwsAsync(() => wrong.addFromMnemonic("bob", generateMnemonic()), {
    instanceOf: KeyringError,
  });
  t.is(added?.code, "wrong_passphrase");
  t.false(wrong.has("bob"));
});

test("file keyring: a swapped address in the file is detected", async (t) => {
  const dir = await tempDir(t);
  const keyring = new Keyring({ backend: "file", dir, passphrase: async () => "correct horse" });
  await keyring.addFromMnemonic("alice", generateMnemonic());
  const other = deriveKey(generateMnemonic());
  const path = join(dir, "alice.key.json");
  const file = JSON.parse(await readFile(path, "utf8"));
  file.address = other.address;
  file.pub_key.key = Buffer.from(other.publicKey).toString("base64");
  await writeFile(path, JSON.stringify(file));
  await t.throwsAsync(() => keyring.privateKey("alice"), { instanceOf: KeyringError });
});

test("file keyring: short first passphrase, no passphrase source, duplicates and bad names are refused", async (t) => {
  const dir = await tempDir(t);
  const weak = await t.throwsAsync(
    () =>
      new Keyring({ backend: "file", dir, passphrase: async () => "short" }).addFromMnemonic(
        "a",
        generateMnemonic(),
      ),
    { instanceOf: KeyringError },
  );
  t.is(weak?.code, "weak_passphrase");
  const none = await t.throwsAsync(
    () => new Keyring({ backend: "file", dir }).addFromMnemonic("a", generateMnemonic()),
    {
      instanceOf: KeyringError,
    },
  );
  t.is(none?.code, "no_passphrase");
  const keyring = new Keyring({ backend: "test", dir });
  const mnemonic = generateMnemonic();
  await keyring.addFromMnemonic("alice", mnemonic);
  t.is(
    (await t.throwsAsync(() => keyring.addFromMnemonic("alice", generateMnemonic())))?.message,
    "key alice already exists",
  );
  await t.throwsAsync(() => keyring.addFromMnemonic("alias", mnemonic), {
    message: /already stored as alice/,
  });
  for (const name of ["", "../x", "a/b", "-x", "x".repeat(65)]) {
    await t.throwsAsync(() => keyring.addFromMnemonic(name, generateMnemonic()), {
      message: /invalid key name/,
    });
  }
});

test("test keyring: unencrypted, no passphrase needed; delete removes the key", async (t) => {
  const dir = await tempDir(t);
  const keyring = new Keyring({ backend: "test", dir });
  const mnemonic = generateMnemonic();
  await keyring.addFromMnemonic("dev", mnemonic);
  t.deepEqual(Buffer.from(await keyring.privateKey("dev")), Buffer.from(deriveKey(mnemonic).privateKey));
  t.is(keyring.find(deriveKey(mnemonic).address)?.name, "dev");
  await keyring.delete("dev");
  t.false(keyring.has("dev"));
  const missing = t.throws(() => keyring.get("dev"), { instanceOf: KeyringError });
  t.is(missing?.code, "key_not_found");
});
