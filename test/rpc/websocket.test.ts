// JSON-RPC over WebSocket: subscriptions with CometBFT 0.38 event messages, query conditions,
// per-client bounds, slow-client and dead-client disconnects.
import { Comet38Client, WebsocketClient } from "@cosmjs/tendermint-rpc";
import test from "ava";
import WebSocket from "ws";
import { sha256, toHex, utf8 } from "../../chain/crypto/hash.ts";
import type { NodeEvent } from "../../chain/rpc/backend.ts";
import { type RpcServer, startRpcServer } from "../../chain/rpc/server.ts";
import { disconnectWebsocket } from "./cosmjs-websocket.ts";
import { blockId, execResult, makeBlock, makeTestChain, SENDER, type TestChain } from "./fixture.ts";

// biome-ignore lint/suspicious/noExplicitAny: JSON messages are inspected field by field
type Message = any;

interface Client {
  ws: WebSocket;
  /** Next message not yet taken. */
  next(): Promise<Message>;
  request(method: string, params?: unknown, id?: number | string): Promise<Message>;
  closed: Promise<number>;
}

let nextId = 1;
async function openClient(address: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
  const ws = new WebSocket(`ws://${address}/websocket`, options);
  const inbox: Message[] = [];
  const waiting: ((message: Message) => void)[] = [];
  ws.on("message", (data) => {
    const message = JSON.parse(data.toString());
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  ws.on("error", () => {});
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const next = (): Promise<Message> =>
    inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((resolve) => waiting.push(resolve));
  return {
    ws,
    next,
    closed,
    async request(method, params, id = nextId++) {
      ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
      return next();
    },
  };
}

/** The server pings this often in the keep-alive test and drops a client whose pong it has not read
 * by the next ping. Server and clients share this process: a loaded machine that does not run it
 * for one period drops the live client too (20 ms did, at load ~28), so the period is far above
 * such a stall. */
const KEEP_ALIVE_TEST_PING_INTERVAL_MS = 1_000;

let chain: TestChain;
let server: RpcServer;
test.before(async () => {
  chain = makeTestChain();
  server = await startRpcServer({
    backend: chain.backend,
    laddr: "tcp://127.0.0.1:0",
    maxSubscriptionsPerClient: 3,
  });
});
test.after.always(() => server?.close());

function txEvent(height: bigint, index: number, sender: string): NodeEvent {
  const result = execResult(0);
  const events = [{ type: "message", attributes: [{ key: "sender", value: sender, index: true }] }];
  return {
    type: "Tx",
    height,
    index,
    tx: utf8.encode(`ws-tx-${height}-${index}`),
    result: { ...result, events },
  };
}

test.serial("Tx subscription with conditions gets only matching events, in 0.38 format", async (t) => {
  const client = await openClient(server.address);
  const query = `tm.event='Tx' AND message.sender='${SENDER}' AND tx.height>=5`;
  const subscribed = await client.request("subscribe", { query }, "sub-1");
  t.deepEqual(subscribed, { jsonrpc: "2.0", id: "sub-1", result: {} });
  chain.emit(txEvent(4n, 0, SENDER)); // height too low
  chain.emit(txEvent(5n, 0, "someone-else"));
  chain.emit({ type: "NewBlockHeader", header: makeBlock(5n, 0).header });
  chain.emit(txEvent(5n, 1, SENDER));
  const event = await client.next();
  t.is(event.id, "sub-1");
  t.is(event.result.query, query);
  t.is(event.result.data.type, "tendermint/event/Tx");
  const txResult = event.result.data.value.TxResult;
  t.deepEqual(
    [txResult.height, txResult.index, txResult.tx],
    ["5", 1, Buffer.from("ws-tx-5-1").toString("base64")],
  );
  t.is(txResult.result.gas_used, "80000");
  t.deepEqual(event.result.events["tm.event"], ["Tx"]);
  t.deepEqual(event.result.events["tx.hash"], [toHex(sha256(utf8.encode("ws-tx-5-1"))).toUpperCase()]);
  t.deepEqual(event.result.events["message.sender"], [SENDER]);
  // Methods work over the same socket; the next message is the answer, so no other event slipped in.
  const health = await client.request("health", undefined, 99);
  t.deepEqual(health, { jsonrpc: "2.0", id: 99, result: {} });
  client.ws.close();
});

test.serial("cosmjs subscribeTx and subscribeNewBlockHeader decode our events", async (t) => {
  t.timeout(30_000);
  const rpcClient = new WebsocketClient(`ws://${server.address}`);
  const ws = Comet38Client.create(rpcClient);
  try {
    const gotTx = new Promise<{ height: number; hash: Uint8Array }>((resolve, reject) => {
      const sub = ws.subscribeTx(`message.sender='${SENDER}'`).subscribe({
        next: (tx) => {
          sub.unsubscribe();
          resolve(tx);
        },
        error: reject,
      });
    });
    const gotHeader = new Promise<{ height: number }>((resolve, reject) => {
      const sub = ws.subscribeNewBlockHeader().subscribe({
        next: (header) => {
          sub.unsubscribe();
          resolve(header);
        },
        error: reject,
      });
    });
    // cosmjs sends its subscribe requests when its socket opens, which the test cannot observe, so
    // the events are emitted until both subscriptions have received one (each then unsubscribes).
    let settled = false;
    const both = Promise.all([gotTx, gotHeader]).finally(() => {
      settled = true;
    });
    while (!settled) {
      chain.emit(txEvent(7n, 2, SENDER));
      chain.emit({ type: "NewBlockHeader", header: makeBlock(7n, 0).header });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [tx, header] = await both;
    t.is(tx.height, 7);
    t.is(toHex(tx.hash), toHex(sha256(utf8.encode("ws-tx-7-2"))));
    t.is(header.height, 7);
  } finally {
    disconnectWebsocket(rpcClient);
  }
});

test.serial("subscription bounds, duplicates, bad queries, unsubscribe", async (t) => {
  const client = await openClient(server.address);
  t.is((await client.request("subscribe", { query: "tm.event='NewBlock' AND" })).error.code, -32602);
  t.is((await client.request("subscribe", { query: "tm.event='NewBlock'" })).result !== undefined, true);
  t.regex(
    (await client.request("subscribe", { query: "tm.event='NewBlock'" })).error.data,
    /already subscribed/,
  );
  await client.request("subscribe", { query: "tm.event='Tx'" });
  await client.request("subscribe", { query: "tm.event='NewBlockHeader'" });
  const fourth = await client.request("subscribe", { query: "tx.height=1" });
  t.regex(fourth.error.data, /max_subscriptions_per_client 3/);
  t.regex((await client.request("unsubscribe", { query: "tx.height=1" })).error.data, /not found/);
  t.deepEqual((await client.request("unsubscribe", { query: "tm.event='Tx'" })).result, {});
  chain.emit(txEvent(9n, 0, SENDER)); // no longer subscribed: nothing arrives
  t.deepEqual((await client.request("unsubscribe_all")).result, {});
  t.is(chain.listenerCount(), 0);
  chain.emit({
    type: "NewBlock",
    block: makeBlock(9n, 0),
    blockId: blockId(9n),
    resultFinalizeBlock: { events: [] },
  });
  const afterAll = await client.request("status");
  t.is(afterAll.result.node_info.version, "0.38.17");
  t.is((await client.request("no_such_method")).error.code, -32601);
  client.ws.send("{oops");
  t.is((await client.next()).error.code, -32700);
  client.ws.close();
  await client.closed;
});

test.serial("a disconnecting client's subscriptions are released", async (t) => {
  const client = await openClient(server.address);
  await client.request("subscribe", { query: "tm.event='NewBlock'" });
  t.is(chain.listenerCount(), 1);
  client.ws.terminate();
  await client.closed;
  while (chain.listenerCount() !== 0) await new Promise((resolve) => setTimeout(resolve, 5));
  t.pass();
});

test.serial("a client that does not read its events is disconnected, others are unaffected", async (t) => {
  const slow = await openClient(server.address);
  const healthy = await openClient(server.address);
  await slow.request("subscribe", { query: "tm.event='NewBlock'" });
  // Stop reading: the server's socket buffer and then its send queue fill up.
  (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const bigBlock = makeBlock(10n, 0);
  bigBlock.data.txs.push(new Uint8Array(1024 * 1024).fill(7));
  let sent = 0;
  const serverDropped = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (chain.listenerCount() === 0) {
        clearInterval(check);
        resolve();
      }
    }, 5);
  });
  // Bounded: 64 MiB of events is far past the 8 MiB limit plus any kernel buffering.
  while (chain.listenerCount() > 0 && sent < 48) {
    chain.emit({
      type: "NewBlock",
      block: bigBlock,
      blockId: blockId(10n),
      resultFinalizeBlock: { events: [] },
    });
    sent++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await serverDropped;
  t.true(sent < 48, `dropped after ${sent} events`);
  t.is((await healthy.request("health")).result !== undefined, true);
  slow.ws.terminate();
  healthy.ws.close();
});

test.serial("keep-alive: a client that never answers pings is dropped", async (t) => {
  t.timeout(60_000);
  const pinging = await startRpcServer({
    backend: makeTestChain().backend,
    laddr: "tcp://127.0.0.1:0",
    wsPingIntervalMs: KEEP_ALIVE_TEST_PING_INTERVAL_MS,
  });
  try {
    const deaf = await openClient(pinging.address, { autoPong: false });
    const live = await openClient(pinging.address);
    let pings = 0;
    const livePinged = new Promise<void>((resolve) =>
      live.ws.on("ping", () => {
        if (++pings === 2) resolve();
      }),
    );
    // The deaf client goes at the second ping tick, when the live one gets its second ping. Should
    // the live client be dropped instead, the test fails at once rather than waiting for a ping.
    const outcome = await Promise.race([
      Promise.all([deaf.closed, livePinged]).then(() => "deaf dropped, live pinged twice"),
      live.closed.then(() => "live dropped"),
    ]);
    t.is(outcome, "deaf dropped, live pinged twice");
    t.is(live.ws.readyState, WebSocket.OPEN);
    live.ws.close();
  } finally {
    await pinging.close();
  }
});
