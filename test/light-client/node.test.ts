import { SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import test from "ava";
import { fromHex } from "../../chain/types/bytes.ts";
import { timestampFromDate } from "../../chain/types/time.ts";
import { LightClient } from "../../light-client/client.ts";
import { LightClientError } from "../../light-client/errors.ts";
import { startLightProxy } from "../../light-client/node/proxy.ts";
import { verifyEd25519Node } from "../../light-client/node/verify-signature.ts";
import { verifiedAccount, verifiedBalance, verifiedStoreGet } from "../../light-client/queries.ts";
import { RpcTransport } from "../../light-client/rpc-transport.ts";
import { heightOf } from "../../light-client/types.ts";
import {
  CHAIN_ID,
  DENOM,
  faucetWallet,
  freshAddress,
  nodePerFile,
  rpc,
  waitForHeight,
} from "../helpers/node-process.ts";
import { type LyingNode, startLyingNode } from "./lying-node.ts";

const GENESIS_AMOUNT = 1_000_000_000_000n;
const now = () => timestampFromDate(new Date());

const chain = nodePerFile(test);
let trustedHash: Uint8Array;
/** The height whose block changed the bank state (a MsgSend), so neighbouring app hashes differ. */
let sendHeight: bigint;
const SENT = 12_345n;
const FEE = 5000n;

test.serial.before(async () => {
  await waitForHeight(chain.node.rpcUrl, 6n);
  // The genesis root of trust, obtained "out of band".
  const commit = await rpc(chain.node.rpcUrl, "commit", { height: "1" });
  trustedHash = fromHex(commit.result.signed_header.commit.block_id.hash);
  const { wallet, address } = await faucetWallet();
  const signing = await SigningStargateClient.connectWithSigner(chain.node.rpcUrl, wallet);
  const recipient = await freshAddress();
  const fee = { amount: [{ denom: DENOM, amount: FEE.toString() }], gas: "200000" };
  const sent = await signing.sendTokens(address, recipient, [{ denom: DENOM, amount: SENT.toString() }], fee);
  if (sent.code !== 0) throw new Error(`send failed: ${sent.rawLog}`);
  sendHeight = BigInt(sent.height);
  signing.disconnect();
  await waitForHeight(chain.node.rpcUrl, sendHeight + 2n);
});

function newClient(url: string, mode: "sequential" | "skipping" = "skipping") {
  return LightClient.create(
    {
      chainId: CHAIN_ID,
      primary: new RpcTransport(url),
      trust: { height: 1n, hash: trustedHash },
      mode,
      verifySignature: verifyEd25519Node,
    },
    now(),
  );
}

async function refusal(
  t: import("ava").ExecutionContext,
  promise: Promise<unknown>,
): Promise<LightClientError | undefined> {
  return t.throwsAsync(promise, { instanceOf: LightClientError });
}

test("headers light-verify from height 1, sequentially and by skipping", async (t) => {
  const sequential = await newClient(chain.node.rpcUrl, "sequential");
  const result = await sequential.verifyToHeight(5n, now());
  t.deepEqual(result.trace.map(heightOf), [1n, 2n, 3n, 4n, 5n]);
  const skipping = await newClient(chain.node.rpcUrl);
  const latest = await skipping.update(now());
  t.true(heightOf(latest.block) >= 6n);
  t.deepEqual(latest.trace.map(heightOf), [1n, heightOf(latest.block)]);
});

test("a verified balance and account", async (t) => {
  const client = await newClient(chain.node.rpcUrl);
  const balance = await verifiedBalance(client, chain.home.faucetAddress, DENOM, now());
  t.is(balance.amount, GENESIS_AMOUNT - SENT - FEE);
  const before = await verifiedBalance(client, chain.home.faucetAddress, DENOM, now(), {
    height: sendHeight - 1n,
  });
  t.is(before.amount, GENESIS_AMOUNT);
  const account = await verifiedAccount(client, chain.home.faucetAddress, now());
  t.is(account.any?.typeUrl, "/cosmos.auth.v1beta1.BaseAccount");
  t.is(account.baseAccount?.address, chain.home.faucetAddress);
  const missing = await verifiedBalance(client, chain.home.faucetAddress, "unknowndenom", now());
  t.is(missing.amount, 0n);
  const old = await verifiedStoreGet(client, "bank", new Uint8Array([0x06]), now(), { height: 2n });
  t.is(new TextDecoder().decode(old.value), DENOM);
  t.is(old.height, 2n);
});

test("an unmodified cosmjs StargateClient reads a balance and an account through the proxy", async (t) => {
  const client = await newClient(chain.node.rpcUrl);
  const proxy = await startLightProxy({ client, port: 0 });
  try {
    const stargate = await StargateClient.connect(proxy.url);
    t.is(await stargate.getChainId(), CHAIN_ID);
    t.true((await stargate.getHeight()) >= 6);
    const balance = await stargate.getBalance(chain.home.faucetAddress, DENOM);
    const expected = (GENESIS_AMOUNT - SENT - FEE).toString();
    t.deepEqual(balance, { denom: DENOM, amount: expected });
    const all = await stargate.getAllBalances(chain.home.faucetAddress);
    t.deepEqual([...all], [{ denom: DENOM, amount: expected }]);
    const account = await stargate.getAccount(chain.home.faucetAddress);
    t.is(account?.address, chain.home.faucetAddress);
    t.is(await stargate.getAccount(await freshAddress()), null);
    const block = await stargate.getBlock(3);
    t.is(block.header.height, 3);
    stargate.disconnect();
  } finally {
    await proxy.close();
  }
});

async function withLiar(action: (liar: LyingNode) => Promise<void>): Promise<void> {
  const liar = await startLyingNode(chain.node.rpcUrl);
  try {
    await action(liar);
  } finally {
    await liar.close();
  }
}

test("the proxy refuses with a JSON-RPC error when the node behind it alters balances", async (t) => {
  await withLiar(async (liar) => {
    const client = await newClient(liar.url);
    const refusals: string[] = [];
    const proxy = await startLightProxy({
      client,
      port: 0,
      onRefusal: (method, error) => refusals.push(`${method}:${error.code}`),
    });
    try {
      liar.rewrite = (method, params, result) => {
        if (
          method === "abci_query" &&
          String(params.path).startsWith("/store/bank/") &&
          result.response.value
        )
          result.response.value = Buffer.from("999999999999999").toString("base64");
        return result;
      };
      const stargate = await StargateClient.connect(proxy.url);
      const error = await t.throwsAsync(stargate.getBalance(chain.home.faucetAddress, DENOM));
      t.regex(String(error?.message), /invalid_proof/);
      stargate.disconnect();
      const raw = await rpc(proxy.url, "abci_query", { path: `/store/bank/key`, data: "06" });
      t.is(raw.result, undefined);
      t.is(raw.error.code, -32603);
    } finally {
      await proxy.close();
    }
    t.deepEqual(refusals, ["abci_query:invalid_proof", "abci_query:invalid_proof"]);
  });
});

test("the client refuses a node that alters app hashes, tampers proofs or proves another height", async (t) => {
  await withLiar(async (liar) => {
    const client = await newClient(liar.url);
    await client.update(now());
    // A tampered app hash in the headers it serves.
    liar.rewrite = (method, _params, result) => {
      if (method === "commit") result.signed_header.header.app_hash = "AB".repeat(32);
      return result;
    };
    await waitForHeight(chain.node.rpcUrl, heightOf(await client.latestTrusted()) + 2n);
    t.is((await refusal(t, client.update(now())))?.code, "header_hash_mismatch");
    const proxy = await startLightProxy({ client, port: 0 });
    try {
      const stargate = await StargateClient.connect(proxy.url).catch((error: Error) => error);
      t.true(stargate instanceof Error && /header_hash_mismatch/.test(stargate.message));
    } finally {
      await proxy.close();
    }

    // A tampered proof.
    liar.rewrite = (method, _params, result) => {
      if (method === "abci_query" && result.response.proofOps) {
        const op = result.response.proofOps.ops[0];
        const bytes = Buffer.from(op.data, "base64");
        bytes[bytes.length - 3]! ^= 1;
        op.data = bytes.toString("base64");
      }
      return result;
    };
    const tampered = await refusal(
      t,
      verifiedBalance(client, chain.home.faucetAddress, DENOM, now(), { height: 3n }),
    );
    t.is(tampered?.code, "invalid_proof");

    // A proof of another height's state presented as the asked height.
    liar.rewrite = (method, params, result) => {
      if (method === "abci_query" && params.height !== undefined)
        result.response.height = String(params.height);
      return result;
    };
    liar.rewriteRequest = (method, params) =>
      method === "abci_query" && params.height !== undefined
        ? { ...params, height: String(Number(params.height) - 1) }
        : params;
    const wrongHeight = await refusal(
      t,
      verifiedStoreGet(client, "bank", new Uint8Array([0x06]), now(), { height: sendHeight }),
    );
    t.is(wrongHeight?.code, "invalid_proof");
    t.is(wrongHeight?.details["ics23Code"], "root_mismatch");
    // Answering for a height other than asked is caught before the proof.
    liar.rewriteRequest = (_method, params) => params;
    liar.rewrite = (method, _params, result) => {
      if (method === "abci_query") result.response.height = String(Number(result.response.height) - 1);
      return result;
    };
    const mismatch = await refusal(
      t,
      verifiedStoreGet(client, "bank", new Uint8Array([0x06]), now(), { height: 4n }),
    );
    t.is(mismatch?.code, "proof_height_mismatch");
  });
});
