// Acceptance: `sensorchain tx device …` and `sensorchain query device …` as real child processes
// against a real node, signing with a test-keyring key recovered from the faucet mnemonic.
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import { runCli as run } from "../cli/cli-helpers.ts";
import { cliJson, FAUCET_MNEMONIC, nodePerFile } from "../helpers/node-process.ts";

const chain = nodePerFile(test);

const ok = (args: string[], input = "") => cliJson(chain.home.home, args, input);

const tx = (args: string[]) =>
  ok(["tx", "device", ...args, "--fees", "10000usensor", "-y", "--node", chain.node.rpcUrl]);
const query = (args: string[]) => ok(["query", "device", ...args, "--node", chain.node.rpcUrl]);

test("register, share, query, unshare and retire a device with the CLI", async (t) => {
  await ok(["keys", "add", "faucet", "--recover"], FAUCET_MNEMONIC);
  const pubkey = Buffer.from(ed25519.getPublicKey(new Uint8Array(32).fill(8))).toString("hex");
  const registered = await tx([
    "register",
    "faucet",
    "E036_0042",
    "--key-type",
    "ed25519",
    "--pubkey",
    pubkey,
    "--model",
    "FlowMeter",
    "--unit",
    "m3",
  ]);
  t.is(registered.code, 0);
  t.is((await tx(["share", "faucet", "E036_0042", "5usensor", "--per", "reading"])).code, 0);

  const shown = await query(["show", "E036_0042"]);
  t.like(shown.device, {
    id: "E036_0042",
    owner: chain.home.faucetAddress,
    shared: true,
    status: "DEVICE_STATUS_ACTIVE",
    metadata: { model: "FlowMeter", unit: "m3", location_hint: "" },
    share_terms: { unit: "PRICING_UNIT_PER_READING", price: { denom: "usensor", amount: "5" } },
  });
  t.is(Buffer.from(shown.device.public_key.key, "base64").toString("hex"), pubkey);
  const byOwner = await query(["by-owner", chain.home.faucetAddress, "--count-total"]);
  t.deepEqual(
    byOwner.devices.map((d: { id: string }) => d.id),
    ["E036_0042"],
  );
  t.is(byOwner.pagination.total, "1");
  const shared = await query(["shared", "--sector", "E036"]);
  t.deepEqual(
    shared.devices.map((d: { id: string }) => d.id),
    ["E036_0042"],
  );
  t.like((await query(["counts", "--sector", "E036"])).counts, { total: "1", active: "1", shared: "1" });

  t.is((await tx(["unshare", "faucet", "E036_0042"])).code, 0);
  t.is((await tx(["retire", "faucet", "E036_0042"])).code, 0);
  t.like((await query(["counts"])).counts, { total: "1", active: "0", retired: "1", shared: "0" });

  const refused = await run([
    "tx",
    "device",
    "retire",
    "faucet",
    "E036_0042",
    "--fees",
    "10000usensor",
    "-y",
    "--node",
    chain.node.rpcUrl,
    "--home",
    chain.home.home,
    "--keyring-backend",
    "test",
  ]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /failed with code 9: .*device is retired/);
  const badId = await run([
    "query",
    "device",
    "show",
    "e036-42",
    "--node",
    chain.node.rpcUrl,
    "--home",
    chain.home.home,
  ]);
  t.is(badId.code, 1);
  t.regex(badId.stderr, /device id "e036-42" is not SSSS_NNNN/);
  const missing = await run([
    "query",
    "device",
    "show",
    "E036_0043",
    "--node",
    chain.node.rpcUrl,
    "--home",
    chain.home.home,
  ]);
  t.regex(missing.stderr, /device E036_0043: device not found \(code 7, device\)/);
});
