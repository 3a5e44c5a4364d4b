// Acceptance: `npm start` on a clean clone, as a new user runs it: it creates a dev home with a
// funded account whose mnemonic it prints, serves RPC, stops cleanly on Ctrl-C (SIGINT to the
// process group, as a terminal sends it) and continues from the last height when started again.
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { StargateClient } from "@cosmjs/stargate";
import test, { type ExecutionContext } from "ava";
import {
  FIRST_BLOCK_TIMEOUT_MS,
  freePort,
  REPO_ROOT,
  waitForHeight,
  watchProcess,
} from "../helpers/node-process.ts";

/** `npm start` in its own process group, so that Ctrl-C (SIGINT to the group) reaches npm and the node. */
function npmStart(cwd: string, home: string, rpcPort: number, p2pPort: number) {
  const child = spawn(
    "npm",
    ["start", "--", "--rpc.laddr", `tcp://127.0.0.1:${rpcPort}`, "--p2p.laddr", `tcp://127.0.0.1:${p2pPort}`],
    {
      cwd,
      detached: true,
      env: { ...process.env, HOME: home, SENSORCHAIN_HOME: "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return watchProcess(child, { group: true });
}

/** npm re-raises the SIGINT it forwarded once its child is done, so npm itself ends by that signal
 * (or 0); the node must have shut down cleanly and said so. */
function assertCleanStop(
  t: ExecutionContext,
  exit: { code: number | null; signal: NodeJS.Signals | null },
  output: string,
) {
  t.true(exit.code === 0 || exit.signal === "SIGINT", `npm exit ${JSON.stringify(exit)}\n${output}`);
  t.regex(output, /node stopped/);
  t.notRegex(output, /ERROR|Error:/);
}

test("npm start on a clean clone: dev home, funded mnemonic, Ctrl-C, restart continues", async (t) => {
  const workspace = await mkdtemp(join(tmpdir(), "sensorchain-newuser-"));
  t.teardown(() => rm(workspace, { recursive: true, force: true }));
  const clone = join(workspace, "sensorchain");
  execFileSync("git", ["clone", "--quiet", REPO_ROOT, clone]);
  // `npm install` on a clean clone gives the same node_modules; linking it keeps the test offline and fast.
  await symlink(join(REPO_ROOT, "node_modules"), join(clone, "node_modules"), "dir");
  const userHome = join(workspace, "user");
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const rpcUrl = `http://127.0.0.1:${rpcPort}`;

  const first = npmStart(clone, userHome, rpcPort, p2pPort);
  t.teardown(async () => {
    await first.signal("SIGINT");
  });
  // npm, a new home and a node start: a minute and more on a loaded machine.
  await waitForHeight(rpcUrl, 3n, FIRST_BLOCK_TIMEOUT_MS, () => !first.running(), first.output);
  const mnemonic = first.output().match(/((?:[a-z]+ ){23}[a-z]+)/)?.[1];
  t.truthy(mnemonic, `no 24-word mnemonic printed:\n${first.output()}`);
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic!, { prefix: "sensor" });
  const [account] = await wallet.getAccounts();
  const client = await StargateClient.connect(rpcUrl);
  const balance = await client.getBalance(account!.address, "usensor");
  t.true(BigInt(balance.amount) > 0n, "the printed mnemonic's account is funded");
  const heightBefore = await client.getHeight();
  client.disconnect();
  assertCleanStop(t, await first.signal("SIGINT"), first.output());

  const second = npmStart(clone, userHome, rpcPort, p2pPort);
  t.teardown(async () => {
    await second.signal("SIGINT");
  });
  const heightAfter = await waitForHeight(
    rpcUrl,
    BigInt(heightBefore) + 2n,
    FIRST_BLOCK_TIMEOUT_MS,
    () => !second.running(),
    second.output,
  );
  t.true(heightAfter > BigInt(heightBefore));
  t.notRegex(second.output(), /((?:[a-z]+ ){23}[a-z]+)/, "a restart does not create a new dev account");
  const again = await StargateClient.connect(rpcUrl);
  t.deepEqual((await again.getBalance(account!.address, "usensor")).amount, balance.amount);
  again.disconnect();
  assertCleanStop(t, await second.signal("SIGINT"), second.output());
});
