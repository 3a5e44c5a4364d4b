// Acceptance: every bad input gets a Cosmos-style code and log, changes no state, and the node keeps
// serving. Txs are built and signed exactly as cosmjs does, then broken one way each.

import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import {
  DirectSecp256k1HdWallet,
  encodePubkey,
  makeAuthInfoBytes,
  makeSignDoc,
  Registry,
} from "@cosmjs/proto-signing";
import { defaultRegistryTypes, StargateClient } from "@cosmjs/stargate";
import test, { type ExecutionContext } from "ava";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { CHAIN_ID, DENOM, faucetWallet, nodePerFile, rpc } from "../helpers/node-process.ts";

let poorAddress: string;
let poorWallet: DirectSecp256k1HdWallet;

const chain = nodePerFile(test, {
  async accounts() {
    poorWallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
    poorAddress = (await poorWallet.getAccounts())[0]!.address;
    return [{ address: poorAddress, coins: `10000${DENOM}` }];
  },
});

const registry = new Registry(defaultRegistryTypes);

interface TxOptions {
  wallet: DirectSecp256k1HdWallet;
  chainId?: string;
  sequence?: number;
  accountNumber?: bigint;
  amount?: string;
  fee?: string;
  gas?: bigint;
  memo?: string;
  corruptSignature?: boolean;
}

async function buildSend(options: TxOptions): Promise<Uint8Array> {
  const [account] = await options.wallet.getAccounts();
  const client = await StargateClient.connect(chain.node.rpcUrl);
  const onChain = await client.getAccount(account!.address);
  client.disconnect();
  const body = registry.encodeTxBody({
    messages: [
      {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: {
          fromAddress: account!.address,
          toAddress: account!.address,
          amount: [{ denom: DENOM, amount: options.amount ?? "1" }],
        },
      },
    ],
    memo: options.memo ?? "",
  });
  const pubkey = encodePubkey(encodeSecp256k1Pubkey(account!.pubkey));
  const authInfo = makeAuthInfoBytes(
    [{ pubkey, sequence: options.sequence ?? onChain?.sequence ?? 0 }],
    [{ denom: DENOM, amount: options.fee ?? "5000" }],
    Number(options.gas ?? 200000n),
    undefined,
    undefined,
  );
  const signDoc = makeSignDoc(
    body,
    authInfo,
    options.chainId ?? CHAIN_ID,
    Number(options.accountNumber ?? onChain?.accountNumber ?? 0),
  );
  const { signature, signed } = await options.wallet.signDirect(account!.address, signDoc);
  const signatureBytes = Buffer.from(signature.signature, "base64");
  if (options.corruptSignature) signatureBytes[5] = signatureBytes[5]! ^ 0xff;
  return TxRaw.encode({
    bodyBytes: signed.bodyBytes,
    authInfoBytes: signed.authInfoBytes,
    signatures: [signatureBytes],
  }).finish();
}

async function broadcast(tx: Uint8Array) {
  const response = await rpc(chain.node.rpcUrl, "broadcast_tx_sync", {
    tx: Buffer.from(tx).toString("base64"),
  });
  return response.result as { code: number; codespace: string; log: string; hash: string };
}

async function balanceOf(address: string): Promise<string> {
  const client = await StargateClient.connect(chain.node.rpcUrl);
  const balance = await client.getBalance(address, DENOM);
  client.disconnect();
  return balance.amount;
}

async function assertRejected(t: ExecutionContext, tx: Uint8Array, code: number, logPattern: RegExp) {
  const before = await balanceOf(poorAddress);
  const result = await broadcast(tx);
  t.is(result.code, code, result.log);
  t.is(result.codespace, "sdk");
  t.regex(result.log, logPattern);
  t.is(await balanceOf(poorAddress), before);
}

test.serial("undecodable tx → code 2", async (t) => {
  await assertRejected(t, new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x01]), 2, /decode|parse/i);
});

test.serial("wrong chain id → code 4 signature verification failed", async (t) => {
  await assertRejected(
    t,
    await buildSend({ wallet: poorWallet, chainId: "another-chain" }),
    4,
    /signature verification failed/,
  );
});

test.serial("bad signature → code 4", async (t) => {
  await assertRejected(
    t,
    await buildSend({ wallet: poorWallet, corruptSignature: true }),
    4,
    /signature verification failed/,
  );
});

test.serial("wrong sequence → code 32", async (t) => {
  await assertRejected(
    t,
    await buildSend({ wallet: poorWallet, sequence: 7 }),
    32,
    /account sequence mismatch, expected 0, got 7/,
  );
});

test.serial("fee too low → code 13", async (t) => {
  await assertRejected(t, await buildSend({ wallet: poorWallet, fee: "1" }), 13, /insufficient fee/);
});

test.serial("insufficient funds → code 5", async (t) => {
  await assertRejected(
    t,
    await buildSend({ wallet: poorWallet, fee: "20000", gas: 200000n }),
    5,
    /insufficient funds/,
  );
});

test.serial("oversized tx → rejected with a size error", async (t) => {
  const tx = await buildSend({ wallet: poorWallet, memo: "x".repeat(2 * 1024 * 1024) });
  const before = await balanceOf(poorAddress);
  const response = await rpc(chain.node.rpcUrl, "broadcast_tx_sync", {
    tx: Buffer.from(tx).toString("base64"),
  });
  const message = JSON.stringify(response.error ?? response.result);
  t.true(response.error !== undefined || response.result.code !== 0, message);
  t.regex(message, /too large|size|exceeds/i);
  t.is(await balanceOf(poorAddress), before);
});

test.serial(
  "malformed JSON-RPC, unknown method, bad params → JSON-RPC errors, node keeps serving",
  async (t) => {
    const malformed = await fetch(chain.node.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    t.is(malformed.status, 200);
    t.is(((await malformed.json()) as { error: { code: number } }).error.code, -32700);
    t.is((await rpc(chain.node.rpcUrl, "no_such_method")).error.code, -32601);
    t.is((await rpc(chain.node.rpcUrl, "block", { height: "abc" })).error.code, -32602);
    t.is(
      (await rpc(chain.node.rpcUrl, "tx_search", { query: "tx.height=", page: "1" })).error.code !==
        undefined,
      true,
    );
    const status = await rpc(chain.node.rpcUrl, "status");
    t.is(status.result.node_info.network, CHAIN_ID);
  },
);

test.serial("after all the rejections a valid tx still goes through", async (t) => {
  const { address } = await faucetWallet();
  const tx = await buildSend({ wallet: poorWallet, amount: "10" });
  const result = await broadcast(tx);
  t.is(result.code, 0, result.log);
  t.truthy(address);
});
