// Real cosmjs 0.39 decoders (Comet38Client over HTTP and WebSocket) accept what the RPC server
// prints, with the right values.
import { StargateClient } from "@cosmjs/stargate";
import { Comet38Client, connectComet, HttpClient, WebsocketClient } from "@cosmjs/tendermint-rpc";
import test from "ava";
import { sha256, toHex, utf8 } from "../../chain/crypto/hash.ts";
import { type RpcServer, startRpcServer } from "../../chain/rpc/server.ts";
import { disconnectWebsocket } from "./cosmjs-websocket.ts";
import {
  BLOCK3_TX_COUNT,
  blockId,
  CHAIN_ID,
  makeBlock,
  makeTestChain,
  SENDER,
  type TestChain,
  validators,
} from "./fixture.ts";

let chain: TestChain;
let server: RpcServer;
let client: Comet38Client;

test.before(async () => {
  chain = makeTestChain();
  server = await startRpcServer({ backend: chain.backend, laddr: "tcp://127.0.0.1:0" });
  client = Comet38Client.create(new HttpClient(`http://${server.address}`));
});

test.after.always(async () => {
  client?.disconnect();
  await server?.close();
});

test("connectComet picks the 0.38 client and status decodes", async (t) => {
  const detected = await connectComet(`http://${server.address}`);
  t.true(detected instanceof Comet38Client);
  detected.disconnect();
  const status = await client.status();
  t.is(status.nodeInfo.version, "0.38.17");
  t.deepEqual(status.nodeInfo.protocolVersion, { p2p: 8, block: 11, app: 0 });
  t.is(status.nodeInfo.network, CHAIN_ID);
  t.is(status.nodeInfo.moniker, "test-node");
  t.is(status.syncInfo.latestBlockHeight, 3);
  t.is(toHex(status.syncInfo.latestBlockHash), toHex(blockId(3n).hash));
  t.is(status.syncInfo.latestBlockTime.toISOString(), "2023-11-14T22:13:23.123Z");
  t.is((status.syncInfo.latestBlockTime as { nanoseconds?: number }).nanoseconds, 456_789);
  t.false(status.syncInfo.catchingUp);
  t.is(status.validatorInfo.votingPower, 10n);
  t.is(status.validatorInfo.pubkey?.algorithm, "ed25519");
});

test("block decodes, including height 1 with an empty last commit", async (t) => {
  const latest = await client.block();
  t.is(latest.block.header.height, 3);
  t.is(latest.block.txs.length, BLOCK3_TX_COUNT);
  t.is(utf8.decode(latest.block.txs[0]!), "tx-3-0");
  t.is(toHex(latest.blockId.hash), toHex(blockId(3n).hash));
  t.is(latest.block.lastCommit?.height, 2);
  t.is(latest.block.lastCommit?.signatures.length, 2);
  t.is(latest.block.header.chainId, CHAIN_ID);
  const first = await client.block(1);
  t.is(first.block.header.lastBlockId, null);
  t.is(first.block.lastCommit, null);
  t.deepEqual(first.block.txs, []);
  const second = await client.block(2);
  t.is(second.block.header.time.toISOString(), "2023-11-14T22:13:22.000Z");
});

test("blockResults, commit, validators, genesis, blockchain decode", async (t) => {
  const results = await client.blockResults(3);
  t.is(results.height, 3);
  t.is(results.results.length, BLOCK3_TX_COUNT);
  t.is(results.results[1]!.code, 5);
  t.is(results.results[0]!.gasUsed, 80000n);
  t.is(results.finalizeBlockEvents[0]!.type, "mint");
  const updates = (await client.blockResults(2)).validatorUpdates;
  t.is(updates.length, 1);
  t.is(updates[0]!.votingPower, 3n);
  t.is(updates[0]!.pubkey.algorithm, "ed25519");

  const commit = await client.commit(2);
  t.true(commit.canonical);
  t.is(commit.header.height, 2);
  t.is(commit.commit.signatures[0]!.blockIdFlag, 2);
  t.is(toHex(commit.commit.signatures[0]!.validatorAddress!), toHex(validators[0]!.address));
  t.false((await client.commit()).canonical);

  const set = await client.validators({ height: 2 });
  t.is(set.blockHeight, 2);
  t.is(set.total, 2);
  t.is(set.count, 2);
  t.is(set.validators[1]!.votingPower, 7n);
  t.is(set.validators[0]!.proposerPriority, -5);
  const pageTwo = await client.validators({ height: 2, page: 2, per_page: 1 });
  t.is(pageTwo.count, 1);
  t.is(toHex(pageTwo.validators[0]!.address), toHex(validators[1]!.address));

  const genesis = await client.genesis();
  t.is(genesis.chainId, CHAIN_ID);
  t.is(genesis.validators[0]!.votingPower, 10n);

  const chainInfo = await client.blockchain(1, 3);
  t.is(chainInfo.lastHeight, 3);
  t.deepEqual(
    chainInfo.blockMetas.map((meta) => meta.header.height),
    [3, 2, 1],
  );
  t.is(chainInfo.blockMetas[0]!.numTxs, BLOCK3_TX_COUNT);
});

test("abciQuery with proof, abciInfo, health, numUnconfirmedTxs", async (t) => {
  const query = await client.abciQuery({
    path: "/store/bank/key",
    data: Uint8Array.of(0xab, 0xcd),
    prove: true,
  });
  t.is(query.code, 0);
  t.is(query.height, 3);
  t.is(utf8.decode(query.value), "value-of-abcd");
  t.deepEqual(
    query.proof?.ops.map((op) => op.type),
    ["ics23:smt"],
  );
  t.deepEqual([...query.proof!.ops[0]!.data], [1, 2, 3]);
  const failed = await client.abciQuery({ path: "/nope", data: new Uint8Array() });
  t.is(failed.code, 6);
  const info = await client.abciInfo();
  t.is(info.lastBlockHeight, 3);
  t.is(await client.health(), null);
  const pool = await client.numUnconfirmedTxs();
  t.is(pool.total, 2);
  t.is(pool.totalBytes, 19);
});

test("tx, txSearch with paging, and StargateClient getTx/searchTx", async (t) => {
  const wanted = chain.txs[0]!;
  const found = await client.tx({ hash: wanted.hash });
  t.is(found.height, Number(wanted.height));
  t.is(found.index, 0);
  t.is(toHex(found.hash), toHex(wanted.hash));
  t.deepEqual(found.result.events[0]!.attributes[1], { key: "sender", value: SENDER });

  const page1 = await client.txSearch({ query: `message.sender='${SENDER}'` });
  t.is(page1.totalCount, BLOCK3_TX_COUNT + 2);
  t.is(page1.txs.length, 30);
  const all = await client.txSearchAll({ query: `message.sender='${SENDER}'`, per_page: 10 });
  t.is(all.txs.length, BLOCK3_TX_COUNT + 2);
  const desc = await client.txSearch({ query: "tx.height=3", order_by: "desc", per_page: 5 });
  t.is(desc.txs[0]!.index, BLOCK3_TX_COUNT - 1);

  const stargate = await StargateClient.connect(`http://${server.address}`);
  try {
    const indexed = await stargate.getTx(toHex(wanted.hash).toUpperCase());
    t.is(indexed?.height, Number(wanted.height));
    t.is(indexed?.code, 0);
    const searched = await stargate.searchTx([{ key: "message.sender", value: SENDER }]);
    t.is(searched.length, BLOCK3_TX_COUNT + 2);
    const block = await stargate.getBlock(1);
    t.is(block.header.chainId, CHAIN_ID);
    t.is(await stargate.getChainId(), CHAIN_ID);
  } finally {
    stargate.disconnect();
  }
});

test("broadcastTxSync returns the sha256 hash and CheckTx code", async (t) => {
  const tx = utf8.encode("good-tx");
  const ok = await client.broadcastTxSync({ tx });
  t.is(ok.code, 0);
  t.is(toHex(ok.hash), toHex(sha256(tx)));
  const rejected = await client.broadcastTxSync({ tx: utf8.encode("bad-tx") });
  t.is(rejected.code, 4);
  t.is(rejected.codespace, "sdk");
});

test("broadcastTxCommit waits for inclusion", async (t) => {
  const tx = utf8.encode("commit-me");
  const pending = client.broadcastTxCommit({ tx });
  // The server registers its waiter before it broadcasts; include once the broadcast arrived.
  while (!chain.broadcasted.some((sent) => utf8.decode(sent) === "commit-me"))
    await new Promise((r) => setImmediate(r));
  chain.include(tx, 4n);
  const result = await pending;
  t.is(result.height, 4);
  t.is(result.checkTx.code, 0);
  t.is(result.txResult?.code, 0);
  t.is(toHex(result.hash), toHex(sha256(tx)));
  const failed = await client.broadcastTxCommit({ tx: utf8.encode("bad-commit") });
  t.is(failed.checkTx.code, 4);
  t.is(failed.height, 0);
});

test("websocket: subscribeNewBlock receives a pushed block, other methods work over ws", async (t) => {
  const rpcClient = new WebsocketClient(`ws://${server.address}`);
  const ws = Comet38Client.create(rpcClient);
  try {
    const status = await ws.status();
    t.is(status.syncInfo.latestBlockHeight, 3);
    const received = new Promise<ReceivedBlock>((resolve, reject) => firstEvent(ws, resolve, reject));
    // The subscription is live once the backend has a listener.
    while (chain.listenerCount() === 0) await new Promise((r) => setTimeout(r, 5));
    const block = makeBlock(4n, 1);
    chain.emit({ type: "NewBlock", block, blockId: blockId(4n), resultFinalizeBlock: { events: [] } });
    const decoded = await received;
    t.is(decoded.header.height, 4);
    t.is(decoded.txs.length, 1);
    t.is(decoded.lastCommit?.height, 3);
  } finally {
    disconnectWebsocket(rpcClient);
  }
});

interface ReceivedBlock {
  header: { height: number };
  txs: readonly Uint8Array[];
  lastCommit: { height: number } | null;
}

function firstEvent(
  ws: Comet38Client,
  resolve: (block: ReceivedBlock) => void,
  reject: (error: unknown) => void,
): void {
  const subscription = ws.subscribeNewBlock().subscribe({
    next: (block) => {
      subscription.unsubscribe();
      resolve(block);
    },
    error: reject,
    complete: () => {},
  });
}
