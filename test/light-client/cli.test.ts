// `sensorchain light init|verify|query|serve` against a real node process.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StargateClient } from "@cosmjs/stargate";
import test from "ava";
import {
  CLI,
  cli,
  DENOM,
  FIRST_BLOCK_TIMEOUT_MS,
  freePort,
  nodePerFile,
  rpc,
  spawnNode,
  waitForHeight,
  waitForOutput,
} from "../helpers/node-process.ts";

const chain = nodePerFile(test);
let lightHome: string;

test.serial.before(async () => {
  await waitForHeight(chain.node.rpcUrl, 4n);
  lightHome = await mkdtemp(join(tmpdir(), "sensorchain-light-"));
});

test.after.always(async () => {
  if (lightHome !== undefined) await rm(lightHome, { recursive: true, force: true });
});

test("light init, verify, query and serve", async (t) => {
  const { home, node } = chain;
  const commit = await rpc(node.rpcUrl, "commit", { height: "1" });
  const hash = commit.result.signed_header.commit.block_id.hash as string;
  const init = await cli([
    "light",
    "init",
    "--home",
    lightHome,
    "--primary",
    node.rpcUrl,
    "--trusted-height",
    "1",
    "--trusted-hash",
    hash,
  ]);
  t.is(JSON.parse(init.stdout).trusted_hash, hash);

  const verified = JSON.parse((await cli(["light", "verify", "3", "--home", lightHome])).stdout);
  t.is(verified.height, "3");
  t.deepEqual(verified.trace, ["1", "3"]);
  // CometBFT's RFC 3339 time, as the node's block RPC prints the same header's.
  const block = await rpc(node.rpcUrl, "block", { height: "3" });
  t.is(verified.time, block.result.block.header.time);

  const balance = JSON.parse(
    (await cli(["light", "query", "balance", home.faucetAddress, "--home", lightHome])).stdout,
  );
  t.is(balance.amount, "1000000000000");
  t.true(balance.verified);

  // The account as `simd query auth account` prints it: proto3 JSON, the public key an expanded Any.
  const account = JSON.parse(
    (await cli(["light", "query", "account", home.faucetAddress, "--home", lightHome])).stdout,
  );
  t.like(account.account, {
    "@type": "/cosmos.auth.v1beta1.BaseAccount",
    address: home.faucetAddress,
    sequence: "0",
  });
  t.regex(account.account.account_number, /^\d+$/);

  const wrong = await cli([
    "light",
    "init",
    "--home",
    lightHome,
    "--primary",
    node.rpcUrl,
    "--trusted-height",
    "2",
    "--trusted-hash",
    hash,
  ]).catch((error: { stderr: string }) => error);
  t.regex((wrong as { stderr: string }).stderr, /header_hash_mismatch/);

  const port = await freePort();
  const serve = spawnNode([CLI, "light", "serve", "--home", lightHome, "--laddr", `tcp://127.0.0.1:${port}`]);
  try {
    await waitForOutput(serve, "verifying proxy", FIRST_BLOCK_TIMEOUT_MS);
    const client = await StargateClient.connect(`http://127.0.0.1:${port}`);
    t.deepEqual(await client.getBalance(home.faucetAddress, DENOM), {
      denom: DENOM,
      amount: "1000000000000",
    });
    client.disconnect();
  } finally {
    await serve.signal("SIGINT");
  }
});
