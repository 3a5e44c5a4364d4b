// Acceptance: kill -9 of the node while it takes txs, restart: every tx whose inclusion was reported
// is still there, the height continues, and the app hash equals a replay of the stored blocks.

import { createHash } from "node:crypto";
import { SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import test from "ava";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { replayChain } from "../../chain/replay.ts";
import {
  CHAIN_ID,
  createTestHome,
  DENOM,
  faucetWallet,
  rpc,
  startNodeProcess,
  waitForHeight,
} from "../helpers/node-process.ts";

/** How long the node may take to include the first 60 txs: seconds, but minutes on a loaded machine. */
const INCLUSION_TIMEOUT_MS = 120_000;

test("kill -9 under load loses no reported tx; restart continues; replay reproduces the app hash", async (t) => {
  const home = await createTestHome();
  t.teardown(() => home.remove());
  let node = await startNodeProcess(home.home, { blockInterval: "100ms" });
  t.teardown(() => node.kill9());

  const { wallet, address } = await faucetWallet();
  const signer = await SigningStargateClient.connectWithSigner(node.rpcUrl, wallet);
  const account = await signer.getAccount(address);
  const fee = { amount: [{ denom: DENOM, amount: "5000" }], gas: "200000" };
  const txCount = 300;
  const signed: { hash: string; bytes: Uint8Array }[] = [];
  for (let i = 0; i < txCount; i++) {
    const raw = await signer.sign(
      address,
      [
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: { fromAddress: address, toAddress: address, amount: [{ denom: DENOM, amount: "1" }] },
        },
      ],
      fee,
      `crash ${i}`,
      { accountNumber: account!.accountNumber, sequence: account!.sequence + i, chainId: CHAIN_ID },
    );
    const bytes = TxRaw.encode(raw).finish();
    signed.push({ hash: createHash("sha256").update(bytes).digest("hex").toUpperCase(), bytes });
  }
  signer.disconnect();

  // Broadcast in order while recording which txs the node reports as included. A loaded node may
  // include them long after all are sent: then it is only asked, until a generous deadline.
  const reported = new Map<string, string>();
  let next = 0;
  const client = await StargateClient.connect(node.rpcUrl);
  const deadline = Date.now() + INCLUSION_TIMEOUT_MS;
  while (reported.size < 60 && Date.now() < deadline) {
    for (let burst = 0; burst < 10 && next < txCount; burst++, next++) {
      await rpc(node.rpcUrl, "broadcast_tx_sync", {
        tx: Buffer.from(signed[next]!.bytes).toString("base64"),
      });
    }
    if (next === txCount) await new Promise((resolve) => setTimeout(resolve, 200));
    for (const { hash } of signed.slice(0, next)) {
      if (reported.has(hash)) continue;
      const found = await client.getTx(hash);
      if (found !== null) reported.set(hash, String(found.height));
    }
  }
  client.disconnect();
  const heightBeforeKill = BigInt((await rpc(node.rpcUrl, "status")).result.sync_info.latest_block_height);
  await node.kill9();
  t.true(reported.size >= 60);

  node = await startNodeProcess(home.home, { blockInterval: "100ms" });
  await waitForHeight(node.rpcUrl, heightBeforeKill + 2n);
  const after = await StargateClient.connect(node.rpcUrl);
  for (const [hash, height] of reported) {
    const found = await after.getTx(hash);
    t.truthy(found, `tx ${hash} reported at height ${height} is gone`);
    t.is(String(found?.height), height);
  }
  after.disconnect();
  const code = await node.stop();
  t.is(code, 0);

  const replay = await replayChain({ home: home.home });
  t.true(replay.blocks >= Number(heightBeforeKill));
  t.is(replay.mismatches.length, 0, JSON.stringify(replay.mismatches));
  t.deepEqual(
    Buffer.from(replay.finalAppHash).toString("hex"),
    Buffer.from(replay.storedAppHash).toString("hex"),
  );
});
