// mqtt.operator_key_file: a mnemonic or a hex private key gives the address cosmjs derives; missing,
// exposed (group/world-readable) and malformed files are refused with their code and the file named.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import test from "ava";
import {
  loadOperatorKey,
  OperatorKeyError,
  parseOperatorKey,
} from "../../bridge-mqtt/commitments/operator-key.ts";
import { deriveKey } from "../../chain/crypto/mnemonic.ts";
import { MNEMONIC } from "../helpers/app.ts";

async function home(t: import("ava").ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-opkey-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function keyFile(dir: string, content: string, mode = 0o600): Promise<string> {
  const path = join(dir, "operator_key.json");
  await writeFile(path, content, { mode });
  await chmod(path, mode);
  return "operator_key.json";
}

test("a mnemonic file gives cosmjs' address; a private_key file the same key", async (t) => {
  const dir = await home(t);
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(MNEMONIC, { prefix: "sensor" });
  const [account] = await wallet.getAccounts();
  const fromMnemonic = loadOperatorKey(dir, await keyFile(dir, JSON.stringify({ mnemonic: MNEMONIC })));
  t.is(fromMnemonic.address, account!.address);
  t.deepEqual(fromMnemonic.publicKey, account!.pubkey);
  const hex = Buffer.from(deriveKey(MNEMONIC).privateKey).toString("hex");
  const fromHex = loadOperatorKey(dir, await keyFile(dir, JSON.stringify({ private_key: hex })));
  t.is(fromHex.address, account!.address);
  // An absolute path works too.
  t.is(loadOperatorKey("/nonexistent", join(dir, "operator_key.json")).address, account!.address);
});

test("missing, exposed and malformed key files are refused with a code naming the file", async (t) => {
  const dir = await home(t);
  const refused = (path: string, code: OperatorKeyError["code"]) => {
    const error = t.throws(() => loadOperatorKey(dir, path), { instanceOf: OperatorKeyError });
    t.is(error?.code, code, error?.message);
    t.true(error!.message.includes(join(dir, "operator_key.json")) || path === "absent.json");
  };
  refused("absent.json", "operator_key_missing");
  refused(await keyFile(dir, JSON.stringify({ mnemonic: MNEMONIC }), 0o644), "operator_key_permissions");
  refused(await keyFile(dir, "not json"), "operator_key_malformed");
  refused(await keyFile(dir, "[]"), "operator_key_malformed");
  refused(await keyFile(dir, JSON.stringify({ mnemonic: MNEMONIC, extra: 1 })), "operator_key_malformed");
  refused(
    await keyFile(dir, JSON.stringify({ mnemonic: MNEMONIC, private_key: "00" })),
    "operator_key_malformed",
  );
  refused(
    await keyFile(dir, JSON.stringify({ mnemonic: "abandon abandon abandon" })),
    "operator_key_malformed",
  );
  refused(await keyFile(dir, JSON.stringify({ mnemonic: 42 })), "operator_key_malformed");
  refused(await keyFile(dir, JSON.stringify({ private_key: "xyz" })), "operator_key_malformed");
  refused(await keyFile(dir, JSON.stringify({ private_key: "00".repeat(32) })), "operator_key_malformed");
  refused(await keyFile(dir, JSON.stringify({ private_key: "ff".repeat(32) })), "operator_key_malformed");
});

// Computed with @scure/bip32 and @noble (test/crypto/mnemonic.test.ts holds the derivation to them).
const FIXED_VECTORS = [
  {
    mnemonic: MNEMONIC,
    privateKey: "c4a48e2fce1481cd3294b4490f6678090ea98d3d0e5cd984558ab0968741b104",
    address: "sensor19rl4cm2hmr8afy4kldpxz3fka4jguq0azye9nl",
  },
  {
    mnemonic:
      "model aware perfect provide lab island glimpse wild sing pilot room avocado measure stay spin always tube coffee ceiling comic doll liquid stumble attack",
    privateKey: "f5f62d3d4121db424135d03181d2f4375b3d87a840669bc8a47fa11874de3675",
    address: "sensor1rahld9hejnxgpn0fwenazea3h6q8l6d0numkfu",
  },
];

test("a mnemonic file gives the fixed vectors' keys, its case and whitespace normalized", (t) => {
  for (const vector of FIXED_VECTORS) {
    const messy = ` ${vector.mnemonic.toUpperCase().replaceAll(" ", " \n ")} `;
    const key = parseOperatorKey(JSON.stringify({ mnemonic: messy }), "vector.json");
    t.is(key.address, vector.address);
    t.is(Buffer.from(key.privateKey).toString("hex"), vector.privateKey);
    t.deepEqual(Buffer.from(key.publicKey), Buffer.from(deriveKey(vector.mnemonic).publicKey));
  }
});
