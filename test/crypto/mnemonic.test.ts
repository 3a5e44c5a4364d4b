// deriveKey (node:crypto) against @scure/bip39 + @scure/bip32 and cosmjs' wallet: fixed vectors,
// random mnemonics, BIP-39 passphrases and other HD paths; bad paths and mnemonics are refused.
import { randomBytes } from "node:crypto";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { HDKey } from "@scure/bip32";
import { mnemonicToSeedSync } from "@scure/bip39";
import test from "ava";
import {
  COSMOS_HD_PATH,
  deriveKey,
  generateMnemonic,
  MnemonicError,
  parseHdPath,
} from "../../chain/crypto/mnemonic.ts";
import { secp256k1PublicKey, secp256k1PublicKeyOnce } from "../../chain/crypto/secp256k1.ts";

/** The published BIP-39 all-"abandon" vector (never funded anywhere real). */
const ABANDON = `${"abandon ".repeat(23)}art`;

function scure(
  mnemonic: string,
  hdPath = COSMOS_HD_PATH,
  passphrase = "",
): { privateKey: string; publicKey: string } {
  const node = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic, passphrase)).derive(hdPath);
  return {
    privateKey: Buffer.from(node.privateKey!).toString("hex"),
    publicKey: Buffer.from(node.publicKey!).toString("hex"),
  };
}

function ours(
  mnemonic: string,
  hdPath = COSMOS_HD_PATH,
  passphrase = "",
): { privateKey: string; publicKey: string } {
  const key = deriveKey(mnemonic, { hdPath, bip39Passphrase: passphrase });
  return {
    privateKey: Buffer.from(key.privateKey).toString("hex"),
    publicKey: Buffer.from(key.publicKey).toString("hex"),
  };
}

test("fixed vectors: the all-abandon mnemonic's Cosmos key, with and without a passphrase", (t) => {
  // Pinned from @scure/bip32 so a change in either implementation shows.
  t.is(ours(ABANDON).privateKey, scure(ABANDON).privateKey);
  t.is(deriveKey(ABANDON, { prefix: "cosmos" }).address, "cosmos1r5v5srda7xfth3hn2s26txvrcrntldjumt8mhl");
  t.not(ours(ABANDON, COSMOS_HD_PATH, "TREZOR").privateKey, ours(ABANDON).privateKey);
  t.deepEqual(ours(ABANDON, COSMOS_HD_PATH, "TREZOR"), scure(ABANDON, COSMOS_HD_PATH, "TREZOR"));
});

test("random mnemonics, passphrases and HD paths give @scure/bip32's keys", (t) => {
  const paths = [
    COSMOS_HD_PATH,
    "m/44'/118'/0'/0/7",
    "m/44'/60'/3'/1/2147483647",
    "m",
    "m/0",
    "m/2147483647'/5'",
  ];
  for (let i = 0; i < 30; i++) {
    const mnemonic = generateMnemonic();
    const path = paths[i % paths.length]!;
    const passphrase = i % 3 === 0 ? `pass ${i} ü` : "";
    t.deepEqual(ours(mnemonic, path, passphrase), scure(mnemonic, path, passphrase), `${mnemonic} ${path}`);
  }
});

test("addresses equal cosmjs' DirectSecp256k1HdWallet on the Cosmos path and another account", async (t) => {
  for (const mnemonic of [ABANDON, generateMnemonic(), generateMnemonic()]) {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "sensor" });
    const [account] = await wallet.getAccounts();
    const key = deriveKey(mnemonic, { prefix: "sensor" });
    t.is(key.address, account!.address);
    t.deepEqual(Buffer.from(key.publicKey), Buffer.from(account!.pubkey));
  }
});

test("malformed HD paths are refused with invalid_hd_path; bad mnemonics with invalid_mnemonic", (t) => {
  for (const path of [
    "",
    "44'/118'",
    "m/",
    "m/-1",
    "m/1h",
    "m/2147483648",
    "m/0''",
    "m/a",
    "M /0",
    "m/01x",
  ]) {
    const error = t.throws(() => deriveKey(ABANDON, { hdPath: path }), { instanceOf: MnemonicError }, path);
    t.is(error?.code, "invalid_hd_path", path);
  }
  t.throws(() => parseHdPath(`m${"/0".repeat(256)}`), { instanceOf: MnemonicError });
  t.deepEqual(parseHdPath("m/44'/118'/0'/0/0"), [0x8000_002c, 0x8000_0076, 0x8000_0000, 0, 0]);
  const error = t.throws(() => deriveKey(ABANDON.replace(/art$/, "abandon")), { instanceOf: MnemonicError });
  t.is(error?.code, "invalid_mnemonic");
});

test("secp256k1PublicKeyOnce (OpenSSL) equals @noble's point; refuses 0 and the curve order", (t) => {
  for (let i = 0; i < 20; i++) {
    const key = randomBytes(32);
    t.deepEqual(Buffer.from(secp256k1PublicKeyOnce(key)), Buffer.from(secp256k1PublicKey(key)));
  }
  t.throws(() => secp256k1PublicKeyOnce(new Uint8Array(32)));
  const order = Buffer.from("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", "hex");
  t.throws(() => secp256k1PublicKeyOnce(order));
});
