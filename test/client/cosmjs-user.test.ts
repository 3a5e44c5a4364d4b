// More of what a Cosmos SDK user does with cosmjs and the CLI than cosmjs-compat covers, against one
// real node process whose genesis lists the usensor denom metadata: signAndBroadcast with fee "auto"
// and a multiplier, a memo found again in the committed tx, getBlock / getHeight, searchTx by
// sender and height together, a Comet38Client subscribed over the WebSocket, the auth Accounts and
// bank DenomMetadata queries, and `query tx` / `query block` printed as the SDK's CLI prints them.
import { createHash } from "node:crypto";
import { decodeTxRaw, type EncodeObject } from "@cosmjs/proto-signing";
import {
  assertIsDeliverTxSuccess,
  calculateFee,
  GasPrice,
  QueryClient,
  SigningStargateClient,
  setupBankExtension,
  setupTxExtension,
} from "@cosmjs/stargate";
import { Comet38Client, type comet38, WebsocketClient } from "@cosmjs/tendermint-rpc";
import test, { type ExecutionContext } from "ava";
import { QueryAccountsRequest, QueryAccountsResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import type { Metadata } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import { editGenesis } from "../helpers/genesis-file.ts";
import { cliJson, DENOM, faucetWallet, freshAddress, nodePerFile } from "../helpers/node-process.ts";
import { disconnectWebsocket } from "../rpc/cosmjs-websocket.ts";

/** The usensor metadata in the genesis, as the SDK's genesis JSON writes it. */
const METADATA_JSON = {
  description: "The native token of sensorchain",
  denom_units: [
    { denom: DENOM, exponent: 0, aliases: ["microsensor"] },
    { denom: "sensor", exponent: 6, aliases: [] },
  ],
  base: DENOM,
  display: "sensor",
  name: "Sensor",
  symbol: "SENSOR",
  uri: "",
  uri_hash: "",
};
/** The same metadata as cosmjs decodes it. */
const METADATA: Metadata = {
  description: METADATA_JSON.description,
  denomUnits: METADATA_JSON.denom_units,
  base: DENOM,
  display: "sensor",
  name: "Sensor",
  symbol: "SENSOR",
  uri: "",
  uriHash: "",
};
const GAS_PRICE = GasPrice.fromString(`0.025${DENOM}`);

const chain = nodePerFile(test, {
  prepare: (home) =>
    editGenesis(home.home, (genesis) => {
      genesis.app_state.bank.denom_metadata = [METADATA_JSON];
    }),
});

const sendMsg = (from: string, to: string, amount: string): EncodeObject => ({
  typeUrl: "/cosmos.bank.v1beta1.MsgSend",
  value: { fromAddress: from, toAddress: to, amount: [{ denom: DENOM, amount }] },
});

/** The faucet's SigningStargateClient (gas price 0.025usensor), disconnected when the test ends. */
async function faucetClient(t: ExecutionContext) {
  const { wallet, address } = await faucetWallet();
  const client = await SigningStargateClient.connectWithSigner(chain.node.rpcUrl, wallet, {
    gasPrice: GAS_PRICE,
    broadcastPollIntervalMs: 200,
  });
  t.teardown(() => client.disconnect());
  return { client, address };
}

/** The faucet sends `amount` usensor to `recipient` (default: a fresh address) with fee "auto"; the tx
 * succeeded. */
async function faucetSends(
  t: ExecutionContext,
  amount: string,
  options: { recipient?: string; memo?: string } = {},
) {
  const { client, address } = await faucetClient(t);
  const recipient = options.recipient ?? (await freshAddress());
  const coins = [{ denom: DENOM, amount }];
  const result = await client.sendTokens(address, recipient, coins, "auto", options.memo ?? "");
  assertIsDeliverTxSuccess(result);
  return { client, address, recipient, result };
}

async function queryClient(t: ExecutionContext) {
  const comet = await Comet38Client.connect(chain.node.rpcUrl);
  t.teardown(() => comet.disconnect());
  return QueryClient.withExtensions(comet, setupBankExtension, setupTxExtension);
}

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex").toUpperCase();

test.serial(
  'signAndBroadcast with fee "auto" and a multiplier: gas and fee follow the simulation',
  async (t) => {
    const { client, address } = await faucetClient(t);
    const [first, second] = [await freshAddress(), await freshAddress()];
    const msgs = [sendMsg(address, first, "11"), sendMsg(address, second, "22")];
    const memo = "two sends, gas auto x1.5";
    const simulated = await client.simulate(address, msgs, memo);
    const result = await client.signAndBroadcast(address, msgs, 1.5, memo);
    assertIsDeliverTxSuccess(result);
    // cosmjs sets the limit to round(simulation x multiplier); the chain's gas is deterministic, so the
    // simulation it then runs again at broadcast gives the same figure.
    const gasLimit = Math.round(simulated * 1.5);
    t.is(result.gasWanted, BigInt(gasLimit));
    t.true(result.gasUsed <= result.gasWanted);
    const found = await client.getTx(result.transactionHash);
    const tx = decodeTxRaw(found!.tx);
    t.is(tx.body.memo, memo);
    t.is(tx.body.messages.length, 2);
    t.deepEqual(tx.authInfo.fee!.amount, [...calculateFee(gasLimit, GAS_PRICE).amount]);
    t.is((await client.getBalance(first, DENOM)).amount, "11");
    t.is((await client.getBalance(second, DENOM)).amount, "22");
  },
);

test.serial(
  "sendTokens with a memo: the tx keeps it; searchTx by sender and height together finds it",
  async (t) => {
    const memo = "invoice 2026-11 / meter D035_0007";
    const { client, address, recipient, result } = await faucetSends(t, "5", { memo });
    const found = await client.getTx(result.transactionHash);
    t.is(decodeTxRaw(found!.tx).body.memo, memo);
    const query = await queryClient(t);
    t.is((await query.tx.getTx(result.transactionHash)).tx!.body!.memo, memo);
    const both = await client.searchTx([
      { key: "message.sender", value: address },
      { key: "tx.height", value: result.height },
    ]);
    t.deepEqual(
      both.map((tx) => tx.hash),
      [result.transactionHash],
    );
    t.true(both.every((tx) => tx.height === result.height));
    t.deepEqual(await client.searchTx([{ key: "message.sender", value: recipient }]), []);
  },
);

test.serial(
  "getBlock(h) holds the tx's bytes under its block id; getBlock() and getHeight follow the chain",
  async (t) => {
    const { client, result } = await faucetSends(t, "7");
    const block = await client.getBlock(result.height);
    t.is(block.header.height, result.height);
    t.is(block.header.chainId, await client.getChainId());
    t.true(block.txs.some((tx) => sha256Hex(tx) === result.transactionHash));
    const comet = await Comet38Client.connect(chain.node.rpcUrl);
    t.teardown(() => comet.disconnect());
    const cometBlock = await comet.block(result.height);
    t.is(block.id, Buffer.from(cometBlock.blockId.hash).toString("hex").toUpperCase());
    t.false(Number.isNaN(Date.parse(block.header.time)));
    const latest = await client.getBlock();
    const height = await client.getHeight();
    t.true(latest.header.height >= result.height);
    t.true(height >= latest.header.height);
    await t.throwsAsync(client.getBlock(height + 1_000_000));
  },
);

/** The first `count` events `stream` pushes; rejects if it ends or fails before. */
function take<T>(
  stream: { subscribe(listener: object): { unsubscribe(): void } },
  count: number,
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const events: T[] = [];
    const subscription = stream.subscribe({
      next(event: T) {
        events.push(event);
        if (events.length === count) {
          subscription.unsubscribe();
          resolve(events);
        }
      },
      error: reject,
      complete: () => reject(new Error(`the subscription ended after ${events.length} events`)),
    });
  });
}

test.serial("Comet38Client over the WebSocket: subscribeNewBlock and subscribeTx push events", async (t) => {
  const wsUrl = chain.node.rpcUrl.replace(/^http/, "ws");
  const rpcClient = new WebsocketClient(wsUrl, (error) => t.log(`websocket error: ${String(error)}`));
  t.teardown(() => disconnectWebsocket(rpcClient));
  const ws = Comet38Client.create(rpcClient);
  const before = (await ws.status()).syncInfo.latestBlockHeight;
  const blocks = await take<comet38.NewBlockEvent>(ws.subscribeNewBlock(), 2);
  // Only blocks committed after the subscription are pushed, one after the other.
  t.true(blocks[0]!.header.height >= before);
  t.is(blocks[1]!.header.height, blocks[0]!.header.height + 1);

  const recipient = await freshAddress();
  const pushed = take<comet38.TxEvent>(
    ws.subscribeTx(`tm.event='Tx' AND transfer.recipient='${recipient}'`),
    1,
  );
  // The subscription is registered once the node answered it: a request after it on the same socket
  // is answered after it.
  await ws.status();
  const { result } = await faucetSends(t, "3", { recipient });
  const [event] = await pushed;
  t.is(sha256Hex(event!.tx), result.transactionHash);
  t.is(event!.height, result.height);
  t.is(event!.result.code, 0);
  t.true(event!.result.events.some((e) => e.type === "transfer"));
});

test.serial(
  "a tx that fails in its block is found with its code and log; its sequence is used",
  async (t) => {
    const { client, address } = await faucetClient(t);
    const { sequence } = await client.getSequence(address);
    // More than the faucet holds: CheckTx (fees, signature) accepts it, its message fails in the block.
    const tooMuch = [{ denom: DENOM, amount: (10n ** 15n).toString() }];
    const fee = { amount: [{ denom: DENOM, amount: "5000" }], gas: "200000" };
    const result = await client.sendTokens(address, await freshAddress(), tooMuch, fee);
    t.is(result.code, 5);
    t.regex(result.rawLog ?? "", /insufficient funds/);
    const found = await client.getTx(result.transactionHash);
    t.is(found?.code, 5);
    t.is(found?.height, result.height);
    t.is((await client.getSequence(address)).sequence, sequence + 1);
    const query = await queryClient(t);
    const response = (await query.tx.getTx(result.transactionHash)).txResponse!;
    t.is(response.code, 5);
    t.is(response.codespace, "sdk");
    t.regex(response.rawLog, /insufficient funds/);
  },
);

test.serial(
  "QueryClient bank.denomMetadata answers the genesis metadata; an unknown denom is NotFound",
  async (t) => {
    const query = await queryClient(t);
    t.deepEqual(await query.bank.denomMetadata(DENOM), METADATA);
    t.deepEqual(await query.bank.denomsMetadata(), [METADATA]);
    await t.throwsAsync(query.bank.denomMetadata("unone"), { message: /NotFound|not found/ });
  },
);

// cosmjs' auth extension has only `account`; a user pages through every account with the SDK's
// Accounts query (cosmos.auth.v1beta1.Query/Accounts, x/auth keeper Accounts with pagination).
test.serial("auth Accounts pages through every account (limit, next_key, count_total)", async (t) => {
  const query = await queryClient(t);
  const page = async (key: Uint8Array) =>
    QueryAccountsResponse.decode(
      (
        await query.queryAbci(
          "/cosmos.auth.v1beta1.Query/Accounts",
          QueryAccountsRequest.encode({
            pagination: { key, offset: 0n, limit: 1n, countTotal: key.length === 0, reverse: false },
          }).finish(),
        )
      ).value,
    );
  const first = await page(new Uint8Array(0));
  t.is(first.accounts.length, 1);
  t.true(first.pagination!.total >= 2n);
  t.true(first.pagination!.nextKey.length > 0);
  const second = await page(first.pagination!.nextKey);
  t.is(second.accounts.length, 1);
  t.notDeepEqual(second.accounts[0]!.value, first.accounts[0]!.value);
});

test.serial("CLI query block prints CometBFT's block result; query tx finds the tx by hash", async (t) => {
  const { result } = await faucetSends(t, "9", { memo: "cli" });
  const node = ["--node", chain.node.rpcUrl];
  const block = await cliJson(chain.home.home, ["query", "block", String(result.height), ...node]);
  t.is(block.block.header.height, String(result.height));
  t.regex(block.block_id.hash, /^[0-9A-F]{64}$/);
  t.true(
    (block.block.data.txs as string[]).some(
      (tx) => sha256Hex(Buffer.from(tx, "base64")) === result.transactionHash,
    ),
  );
  const tx = await cliJson(chain.home.home, ["query", "tx", result.transactionHash.toLowerCase(), ...node]);
  t.like(tx, { height: String(result.height), txhash: result.transactionHash, code: 0 });
  t.is(tx.tx.body.memo, "cli");
});

// `simd query tx <hash> --output json` prints the SDK's TxResponse in proto3 JSON: codespace, data,
// raw_log, info, timestamp beside height, txhash, code and gas; the tx as an Any ("@type":
// "/cosmos.tx.v1beta1.Tx") whose messages have snake_case fields (from_address), signer infos with
// public_key and mode_info, and event attributes with their index flag.
test.serial("CLI query tx prints the SDK's TxResponse JSON as simd does", async (t) => {
  const { address, recipient, result } = await faucetSends(t, "4");
  const tx = await cliJson(chain.home.home, [
    "query",
    "tx",
    result.transactionHash,
    "--node",
    chain.node.rpcUrl,
  ]);
  for (const key of [
    "height",
    "txhash",
    "codespace",
    "code",
    "data",
    "raw_log",
    "info",
    "gas_wanted",
    "gas_used",
  ])
    t.true(key in tx, `no ${key}`);
  t.regex(tx.timestamp ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.is(tx.tx["@type"], "/cosmos.tx.v1beta1.Tx");
  t.like(tx.tx.body.messages[0], {
    "@type": "/cosmos.bank.v1beta1.MsgSend",
    from_address: address,
    to_address: recipient,
  });
  t.like(tx.tx.auth_info.signer_infos[0], { mode_info: { single: { mode: "SIGN_MODE_DIRECT" } } });
  t.is(tx.tx.auth_info.signer_infos[0].public_key["@type"], "/cosmos.crypto.secp256k1.PubKey");
  t.true(tx.events.every((event: { attributes: object[] }) => event.attributes.every((a) => "index" in a)));
});
