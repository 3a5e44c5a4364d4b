// The escrow CLI with command terms against a real node: `tx escrow open --command-payload
// --command-duration` pays for a command (price released at open), `query escrow show` has the terms,
// `query escrow active-commands` lists the window until it ends; a command on a per-reading escrow is
// refused with code 20 and changes nothing.
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import { runCli as run } from "../cli/cli-helpers.ts";
import { cliJson, FAUCET_MNEMONIC, nodePerFile } from "../helpers/node-process.ts";

const chain = nodePerFile(test);

const ok = (args: string[], input = "") => cliJson(chain.home.home, args, input);

const tx = (module: string, args: string[]) =>
  ok(["tx", module, ...args, "--fees", "10000usensor", "-y", "--node", chain.node.rpcUrl]);
const query = (args: string[]) => ok(["query", "escrow", ...args, "--node", chain.node.rpcUrl]);

test("open an escrow with a paid command from the CLI; show and active-commands", async (t) => {
  t.timeout(90_000);
  await ok(["keys", "add", "faucet", "--recover"], FAUCET_MNEMONIC);
  const pubkey = Buffer.from(ed25519.getPublicKey(new Uint8Array(32).fill(9))).toString("hex");
  t.is(
    (await tx("device", ["register", "faucet", "E036_0051", "--key-type", "ed25519", "--pubkey", pubkey]))
      .code,
    0,
  );
  t.is((await tx("device", ["share", "faucet", "E036_0051", "5usensor", "--per", "day"])).code, 0);

  const opened = await tx("escrow", [
    "open",
    "faucet",
    "E036_0051",
    "--deposit",
    "5000usensor",
    "--price",
    "1000usensor",
    "--expiry",
    "+1h",
    "--command-payload",
    '{"light":"on"}',
    "--command-duration",
    "10m",
  ]);
  t.is(opened.code, 0, opened.raw_log);
  const shown = await query(["show", "1"]);
  t.like(shown.escrow, { released: "1000", remaining: "4000" });
  t.deepEqual(shown.escrow.command, {
    payload: Buffer.from('{"light":"on"}').toString("base64"),
    duration_seconds: "600",
  });
  const active = await query(["active-commands"]);
  t.deepEqual(
    active.escrows.map((e: { id: string }) => e.id),
    ["1"],
  );
  const later = Number(shown.escrow.open_time) + 600;
  t.deepEqual((await query(["active-commands", "--ends-after", String(later)])).escrows, []);

  const refused = await run([
    "tx",
    "escrow",
    "open",
    "faucet",
    "E036_0051",
    "--deposit",
    "5000usensor",
    "--price",
    "1usensor",
    "--mode",
    "per-reading",
    "--expiry",
    "+1h",
    "--command-payload",
    "hex:01",
    "--command-duration",
    "60",
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
  t.not(refused.code, 0);
  t.regex(refused.stdout + refused.stderr, /invalid command terms/);
  t.deepEqual(
    (await query(["active-commands"])).escrows.map((e: { id: string }) => e.id),
    ["1"],
  );
  const flag = await run([
    "tx",
    "escrow",
    "open",
    "faucet",
    "E036_0051",
    "--deposit",
    "1usensor",
    "--expiry",
    "+1h",
    "--command-payload",
    "on",
    "--home",
    chain.home.home,
    "--keyring-backend",
    "test",
    "--node",
    chain.node.rpcUrl,
  ]);
  t.not(flag.code, 0);
  t.regex(flag.stderr, /--command-payload and --command-duration go together/);
});
