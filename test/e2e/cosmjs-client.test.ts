// Acceptance: unmodified cosmjs clients against a real node process.

import { assertIsDeliverTxSuccess, GasPrice, SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import test from "ava";
import { CHAIN_ID, DENOM, faucetWallet, freshAddress, nodePerFile } from "../helpers/node-process.ts";

const chain = nodePerFile(test);

test.serial("StargateClient reads chain id, height, account, balances and blocks", async (t) => {
  const client = await StargateClient.connect(chain.node.rpcUrl);
  t.is(await client.getChainId(), CHAIN_ID);
  const height = await client.getHeight();
  t.true(height >= 1);
  const account = await client.getAccount(chain.home.faucetAddress);
  t.truthy(account);
  t.is(account!.address, chain.home.faucetAddress);
  const balance = await client.getBalance(chain.home.faucetAddress, DENOM);
  t.is(balance.denom, DENOM);
  t.true(BigInt(balance.amount) > 0n);
  const all = await client.getAllBalances(chain.home.faucetAddress);
  t.deepEqual(
    all.map((coin) => coin.denom),
    [DENOM],
  );
  const unknown = await client.getAccount(await freshAddress());
  t.is(unknown, null);
  const block = await client.getBlock(1);
  t.is(block.header.height, 1);
  t.is(block.header.chainId, CHAIN_ID);
  const latest = await client.getBlock();
  t.true(latest.header.height >= 1);
  client.disconnect();
});

test.serial("SigningStargateClient sends with an explicit fee; getTx and searchTx find it", async (t) => {
  const { wallet, address } = await faucetWallet();
  const client = await SigningStargateClient.connectWithSigner(chain.node.rpcUrl, wallet, {
    broadcastPollIntervalMs: 200,
  });
  const recipient = await freshAddress();
  const before = BigInt((await client.getBalance(address, DENOM)).amount);
  const fee = { amount: [{ denom: DENOM, amount: "5000" }], gas: "200000" };
  const result = await client.sendTokens(
    address,
    recipient,
    [{ denom: DENOM, amount: "12345" }],
    fee,
    "e2e explicit fee",
  );
  assertIsDeliverTxSuccess(result);
  t.is((await client.getBalance(recipient, DENOM)).amount, "12345");
  t.is(BigInt((await client.getBalance(address, DENOM)).amount), before - 12345n - 5000n);

  const found = await client.getTx(result.transactionHash);
  t.truthy(found);
  t.is(found!.height, result.height);
  t.is(found!.code, 0);

  const bySender = await client.searchTx([{ key: "message.sender", value: address }]);
  t.true(bySender.some((tx) => tx.hash === result.transactionHash));
  const byHeight = await client.searchTx([{ key: "tx.height", value: result.height }]);
  t.true(byHeight.some((tx) => tx.hash === result.transactionHash));
  const byRecipient = await client.searchTx(`transfer.recipient='${recipient}'`);
  t.is(byRecipient.length, 1);
  client.disconnect();
});

test.serial('SigningStargateClient sends with fee "auto" (Simulate)', async (t) => {
  const { wallet, address } = await faucetWallet();
  const client = await SigningStargateClient.connectWithSigner(chain.node.rpcUrl, wallet, {
    gasPrice: GasPrice.fromString(`0.025${DENOM}`),
    broadcastPollIntervalMs: 200,
  });
  const recipient = await freshAddress();
  const gas = await client.simulate(
    address,
    [
      {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: { fromAddress: address, toAddress: recipient, amount: [{ denom: DENOM, amount: "1" }] },
      },
    ],
    "",
  );
  t.true(gas > 0);
  const result = await client.sendTokens(address, recipient, [{ denom: DENOM, amount: "777" }], "auto");
  assertIsDeliverTxSuccess(result);
  t.true(result.gasUsed > 0n);
  t.true(result.gasWanted >= result.gasUsed);
  t.is((await client.getBalance(recipient, DENOM)).amount, "777");
  const account = await client.getAccount(address);
  t.truthy(account?.pubkey);
  client.disconnect();
});
