// The HTTP transport: URI GET form, batches, CORS, JSON-RPC error codes, limits, and that the
// server keeps serving after every kind of bad request.
import { connect } from "node:net";
import test from "ava";
import { sha256, toHex } from "../../chain/crypto/hash.ts";
import { type RpcServer, startRpcServer } from "../../chain/rpc/server.ts";
import { BLOCK3_TX_COUNT, makeTestChain } from "./fixture.ts";

const MAX_BODY_BYTES = 10_000;
let server: RpcServer;
let url: string;

test.before(async () => {
  server = await startRpcServer({
    backend: makeTestChain().backend,
    laddr: "tcp://127.0.0.1:0",
    corsAllowedOrigins: ["https://wallet.example"],
    maxBodyBytes: MAX_BODY_BYTES,
  });
  url = `http://${server.address}`;
});
test.after.always(() => server?.close());

// biome-ignore lint/suspicious/noExplicitAny: JSON responses are inspected field by field
type Body = any;

async function post(
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Body }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: response.status, body: await response.json() };
}
const call = (method: string, params?: unknown, id: number | string = 7) =>
  post(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
async function get(path: string): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: await response.json() };
}

async function stillServing(t: { is: (a: unknown, b: unknown) => void }): Promise<void> {
  const { status, body } = await call("status");
  t.is(status, 200);
  t.is(body.result.sync_info.latest_block_height, "3");
}

test("URI form: no args, numeric, quoted string, 0x hex and boolean args", async (t) => {
  const status = await get("/status");
  t.is(status.status, 200);
  t.is(status.body.id, -1);
  t.is(status.body.result.node_info.version, "0.38.17");
  const block = await get("/block?height=2");
  t.is(block.body.result.block.header.height, "2");
  t.is(block.body.result.block.data.txs.length, 2);
  const quotedHeight = await get('/block?height="1"');
  t.is(quotedHeight.body.result.block.header.height, "1");
  const query = await get('/abci_query?path="/store/bank/key"&data=0xABCD&prove=true');
  t.is(query.body.result.response.height, "3");
  t.is(query.body.result.response.key, Buffer.from([0xab, 0xcd]).toString("base64"));
  t.is(query.body.result.response.proofOps.ops[0].type, "ics23:smt");
  const hash = toHex(sha256(new TextEncoder().encode("tx-2-1"))).toUpperCase();
  const tx = await get(`/tx?hash=0x${hash}`);
  t.is(tx.body.result.hash, hash);
  t.is(tx.body.result.height, "2");
  t.is(tx.body.result.index, 1);
  t.is(tx.body.result.tx_result.code, 5);
  const search = await get(`/tx_search?query="tx.height=3"&per_page=100`);
  t.is(search.body.result.total_count, String(BLOCK3_TX_COUNT));
  t.is(search.body.result.txs.length, BLOCK3_TX_COUNT);
  const unknown = await get("/no_such_route");
  t.is(unknown.body.error.code, -32601);
});

test("GET / lists the routes", async (t) => {
  const response = await fetch(`${url}/`);
  t.is(response.status, 200);
  const html = await response.text();
  t.true(html.includes("/status"));
  t.true(html.includes("/block?height=_"));
  t.true(html.includes("/tx_search?query=_"));
});

test("JSON-RPC result shapes: block_results, validators, consensus_params, unconfirmed_txs, net_info", async (t) => {
  const results = (await call("block_results", { height: 2 })).body.result;
  t.is(results.height, "2");
  t.is(results.txs_results[0].gas_used, "80000");
  t.is(results.txs_results[1].code, 5);
  t.is(results.finalize_block_events[0].attributes[0].value, "100uapp");
  t.deepEqual(results.validator_updates[0].power, "3");
  t.is(results.consensus_param_updates, null);
  t.is(typeof results.app_hash, "string");
  const validators = (await call("validators", { height: "3" })).body.result;
  t.deepEqual(
    { count: validators.count, total: validators.total, type: validators.validators[0].pub_key.type },
    { count: "2", total: "2", type: "tendermint/PubKeyEd25519" },
  );
  t.is(validators.validators[0].voting_power, "10");
  t.is(validators.validators[0].proposer_priority, "-5");
  t.is(validators.validators[0].address, "A1".repeat(20));
  const params = (await call("consensus_params")).body.result;
  t.is(params.block_height, "3");
  t.is(params.consensus_params.block.max_gas, "-1");
  const unconfirmed = (await call("unconfirmed_txs", { limit: "1" })).body.result;
  t.deepEqual([unconfirmed.n_txs, unconfirmed.total, unconfirmed.txs.length], ["1", "2", 1]);
  const net = (await call("net_info")).body.result;
  t.is(net.n_peers, "1");
  t.is(net.peers[0].remote_ip, "10.0.0.2");
  const header = (await call("header", { height: 1 })).body.result;
  t.is(header.header.last_block_id.parts.total, 0);
  const byHash = (await call("block_by_hash", { hash: Buffer.alloc(32, 2).toString("base64") })).body.result;
  t.is(byHash.block.header.height, "2");
  const blocks = (await call("block_search", { query: "block.height>1", order_by: "desc" })).body.result;
  t.deepEqual(
    blocks.blocks.map((b: Body) => b.block.header.height),
    ["3", "2"],
  );
  t.is(blocks.total_count, "2");
  const checked = (await call("check_tx", { tx: Buffer.from("bad-check").toString("base64") })).body.result;
  t.is(checked.code, 4);
  const async = (await call("broadcast_tx_async", { tx: Buffer.from("async").toString("base64") })).body
    .result;
  t.is(async.hash, toHex(sha256(Buffer.from("async"))).toUpperCase());
});

test("timestamps: RFC 3339, Go-trimmed fraction, none when zero", async (t) => {
  t.is((await call("block", { height: 3 })).body.result.block.header.time, "2023-11-14T22:13:23.123456789Z");
  t.is((await call("block", { height: 2 })).body.result.block.header.time, "2023-11-14T22:13:22Z");
  const sigs = (await call("commit", { height: 2 })).body.result.signed_header.commit.signatures;
  t.is(sigs[0].timestamp, "2023-11-14T22:13:22.12Z");
  t.deepEqual(sigs[1], {
    block_id_flag: 1,
    validator_address: "",
    timestamp: "0001-01-01T00:00:00Z",
    signature: null,
  });
});

test("batch requests answer every item by id, skip notifications, and are bounded", async (t) => {
  const batch = [
    { jsonrpc: "2.0", id: 1, method: "health" },
    { jsonrpc: "2.0", id: "two", method: "block", params: ["2"] },
    { jsonrpc: "2.0", method: "status" },
    { jsonrpc: "2.0", id: 3, method: "nope" },
  ];
  const { body } = await post(JSON.stringify(batch));
  t.is(body.length, 3);
  t.deepEqual(body[0], { jsonrpc: "2.0", id: 1, result: {} });
  t.is(body[1].id, "two");
  t.is(body[1].result.block.header.height, "2");
  t.is(body[2].error.code, -32601);
  const empty = await post("[]");
  t.is(empty.body.error.code, -32600);
  const huge = Array.from({ length: 101 }, (_, id) => ({ jsonrpc: "2.0", id, method: "health" }));
  const tooMany = await post(JSON.stringify(huge));
  t.is(tooMany.body.error.code, -32600);
  await stillServing(t);
});

test("CORS: preflight and allowed origin only", async (t) => {
  const preflight = await fetch(url, {
    method: "OPTIONS",
    headers: {
      origin: "https://wallet.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  });
  t.true(preflight.status < 300);
  t.is(preflight.headers.get("access-control-allow-origin"), "https://wallet.example");
  t.regex(preflight.headers.get("access-control-allow-headers") ?? "", /content-type/i);
  t.regex(preflight.headers.get("access-control-allow-methods") ?? "", /GET.*POST.*OPTIONS/);
  const allowed = await fetch(url, {
    method: "POST",
    headers: { origin: "https://wallet.example" },
    body: '{"jsonrpc":"2.0","id":1,"method":"health"}',
  });
  t.is(allowed.headers.get("access-control-allow-origin"), "https://wallet.example");
  const other = await fetch(`${url}/health`, { headers: { origin: "https://evil.example" } });
  t.is(other.headers.get("access-control-allow-origin"), null);
});

test("errors: parse, invalid request, unknown method, bad params — always HTTP 200", async (t) => {
  const malformed = await post("{not json");
  t.is(malformed.status, 200);
  t.is(malformed.body.error.code, -32700);
  t.is(malformed.body.id, null);
  t.is((await post('{"jsonrpc":"1.0","id":1,"method":"health"}')).body.error.code, -32600);
  t.is((await post('{"jsonrpc":"2.0","id":{},"method":"health"}')).body.error.code, -32600);
  t.is((await post('"just a string"')).body.error.code, -32600);
  const unknown = await call("no_such_method");
  t.is(unknown.body.error.code, -32601);
  t.is(unknown.body.id, 7);
  t.is((await call("__proto__")).body.error.code, -32601);
  t.is((await call("block", { height: "abc" })).body.error.code, -32602);
  t.is((await call("block", { height: 1.5 })).body.error.code, -32602);
  t.is((await call("block", { height: "-1" })).body.error.code, -32602);
  t.is((await call("validators", { page: "-2" })).body.error.code, -32602);
  t.is((await call("tx_search", { query: "tx.height=3", order_by: "sideways" })).body.error.code, -32602);
  t.is((await call("abci_query", { path: "/store/bank/key", data: "zz" })).body.error.code, -32602);
  t.is((await call("broadcast_tx_sync", { tx: "not*base64" })).body.error.code, -32602);
  t.is((await call("block", "scalar")).body.error.code, -32602);
  t.is((await call("block", [1, 2])).body.error.code, -32602);
  await stillServing(t);
});

test("height and page errors read like CometBFT's", async (t) => {
  const future = await call("block", { height: "9" });
  t.is(future.body.error.code, -32603);
  t.is(future.body.error.data, "height 9 must be less than or equal to the current blockchain height 3");
  const pastEnd = await call("tx_search", { query: "tx.height=3", page: "3" });
  t.is(pastEnd.body.error.code, -32603);
  t.is(pastEnd.body.error.data, "page should be within [1, 2] range, given 3");
  const lastPage = await call("tx_search", { query: "tx.height=3", page: "2" });
  t.is(lastPage.body.result.txs.length, BLOCK3_TX_COUNT - 30);
  const none = await call("tx_search", { query: "tx.height=99" });
  t.deepEqual(none.body.result, { txs: [], total_count: "0" });
  t.is((await call("validators", { page: 2 })).body.error.code, -32603);
  const missing = await call("tx", { hash: Buffer.alloc(32).toString("base64") });
  t.regex(missing.body.error.data, /not found/);
  const blockchain = (await call("blockchain", { minHeight: "2" })).body.result;
  t.deepEqual(
    blockchain.block_metas.map((m: Body) => m.header.height),
    ["3", "2"],
  );
});

test("a handler that throws becomes -32603 with the reason in data", async (t) => {
  const { status, body } = await call("abci_query", { path: "/boom" });
  t.is(status, 200);
  t.is(body.error.code, -32603);
  t.is(body.error.data, "query exploded");
  await stillServing(t);
});

test("oversized body: JSON-RPC error, connection still usable", async (t) => {
  const big = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "broadcast_tx_sync",
    params: { tx: "A".repeat(MAX_BODY_BYTES * 3) },
  });
  const { status, body } = await post(big);
  t.is(status, 200);
  t.is(body.error.code, -32600);
  t.regex(body.error.data, /too large/);
  await stillServing(t);
});

test("pruned heights are an error naming the lowest height", async (t) => {
  const pruned = await startRpcServer({ backend: makeTestChain({ base: 2n }).backend, laddr: "127.0.0.1:0" });
  try {
    const response = await fetch(`http://${pruned.address}/block?height=1`);
    const body: Body = await response.json();
    t.is(body.error.code, -32603);
    t.is(body.error.data, "height 1 is not available, lowest height is 2");
  } finally {
    await pruned.close();
  }
});

test("open connections are bounded; freed slots serve again", async (t) => {
  const limited = await startRpcServer({
    backend: makeTestChain().backend,
    laddr: "tcp://127.0.0.1:0",
    maxOpenConnections: 2,
  });
  const [host, port] = [limited.address.split(":")[0]!, Number(limited.address.split(":")[1])];
  const open = () =>
    new Promise<import("node:net").Socket>((resolve, reject) => {
      const socket = connect(port, host, () => resolve(socket));
      socket.on("error", reject);
    });
  try {
    const held = [await open(), await open()];
    const third = await open();
    const closedWithoutAnswer = await new Promise<boolean>((resolve) => {
      let data = false;
      third.on("data", () => (data = true));
      third.on("close", () => resolve(!data));
      third.on("error", () => {});
      third.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    });
    t.true(closedWithoutAnswer);
    for (const socket of held) socket.destroy();
    // The server notices the closes asynchronously: retry until a slot is free (bounded).
    let body: Body;
    for (let attempt = 0; attempt < 100 && body === undefined; attempt++) {
      body = await fetch(`http://${limited.address}/health`).then(
        (r) => r.json(),
        () => undefined,
      );
    }
    t.deepEqual(body, { jsonrpc: "2.0", id: -1, result: {} });
  } finally {
    await limited.close();
  }
});

test("close() ends open keep-alive and waiting connections", async (t) => {
  const chain = makeTestChain();
  const closing = await startRpcServer({ backend: chain.backend, laddr: "tcp://127.0.0.1:0" });
  const waiting = fetch(`http://${closing.address}`, {
    method: "POST",
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "broadcast_tx_commit",
      params: { tx: Buffer.from("never").toString("base64") },
    }),
  }).then(
    async (response) => (await response.json()) as Body,
    (error: unknown) => ({ transportError: error }),
  );
  while (chain.broadcasted.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await closing.close();
  const outcome = await waiting;
  // Either the abort answered first or the socket was cut; the call never hangs.
  t.true("transportError" in outcome || outcome.error?.code === -32603);
});
