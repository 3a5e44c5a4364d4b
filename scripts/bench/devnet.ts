// Devnet benchmark (`npm run bench -- devnet`): real node processes on loopback with 1 s blocks, a
// 1-validator chain (the single-node figure, same harness, same run) and a 4-validator chain.
// Pre-signed MsgSends from many genesis accounts are offered at a fixed rate, spread over the
// validators' RPC (broadcast_tx_sync over keep-alive connections; each account bound to one connection
// to one node, up to --depth of its txs in flight there, pipelined in sequence order: devnet-sender.ts).
// Inclusion is seen by polling every node's height every 50 ms (then fetching the new blocks from node
// 0): latency = the first status answer that shows the tx's block committed − the broadcast's request.
// Sustained tx/s counts txs committed after a warm-up, over the time of that window; latency is given
// for every tx and for the txs sent after the warm-up (the steady state, without the cold start's JIT
// compilation and first blocks, which decided the whole run's p99 in session 8). CPU per node
// comes from /proc (utime + stime of the process and of its main thread, from the start of the load
// until the mempools drained), also per committed tx, which is what a loaded machine cannot distort;
// RSS at the start of the load (idle, after the first blocks) and its peak (VmHWM).
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import { encodePubkey, makeAuthInfoBytes, makeSignDoc, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes } from "@cosmjs/stargate";
import { SignDoc, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { DEFAULT_MAX_BLOCK_TXS } from "../../chain/config/schema.ts";
import { encodeAddress } from "../../chain/crypto/bech32.ts";
import { secp256k1Address, secp256k1PublicKey, signSecp256k1 } from "../../chain/crypto/secp256k1.ts";
import { createDevnet, devnetNodesExited, signalDevnetNodes, startDevnetNode } from "../devnet.ts";
import { benchCommand, runBenchMain } from "./args.ts";
import { fmt } from "./crypto.ts";
import { printLatencyBreakdown, quantile } from "./devnet-breakdown.ts";
import {
  type AccountCursor,
  broadcastBody,
  PipelinedConnection,
  RefusalTally,
  settleBroadcast,
} from "./devnet-sender.ts";

const DENOM = "usensor";
/** "1 s blocks" (issue 3): heights paced 1 s apart (consensus.block_interval), at least 200 ms after
 * each decision for late precommits (timeout_commit). With timeout_commit = 1 s alone a height took
 * 1 s + its votes (~1.7-2.1 s on the devnet); `--block-interval "" --timeout-commit 1s` measures that. */
const DEFAULT_TIMEOUT_COMMIT = "200ms";
const DEFAULT_BLOCK_INTERVAL = "1s";
/** How often node 0's height is polled, ms: a tx's latency is over-stated by up to this much. */
const POLL_INTERVAL_MS = 50;
/** broadcast_tx_sync requests of one account in flight at most (pipelined in sequence order on the
 * account's connection): with one, the sender offered ~515 of 600 tx/s asked (checkTx answers in up to
 * seconds on a busy node), as a wallet that waits for each answer would. */
const DEFAULT_ACCOUNT_DEPTH = 4;
/** Keep-alive connections the sender opens to each node's RPC (each account is bound to one). */
const CONNECTIONS_PER_NODE = 8;

export interface DevnetBenchOptions {
  validators?: number;
  /** Offered load, tx/s. */
  rate?: number;
  /** Load duration, s; the first `warmupSeconds` are not counted. */
  seconds?: number;
  warmupSeconds?: number;
  accounts?: number;
  /** broadcast_tx_sync requests of one account in flight at most (DEFAULT_ACCOUNT_DEPTH). */
  accountDepth?: number;
  /** Broadcast to the first this many nodes only (default all): the others then take txs by gossip
   * alone, so a profile of one shows a validator without RPC ingress. */
  rpcNodes?: number;
  /** When set, each node logs at debug level (per-block timings) to `<logDir>/<moniker>.log` (diagnosis of stalls). */
  logDir?: string;
  /** When set, each node writes a V8 CPU profile to `<cpuProfileDir>/<moniker>/` when it stops. */
  cpuProfileDir?: string;
  /** Flags of each node's Node.js binary (V8 heap settings to compare). */
  nodeFlags?: string[];
  /** consensus.timeout_commit and consensus.block_interval of every node (DEFAULT_TIMEOUT_COMMIT and
   * DEFAULT_BLOCK_INTERVAL; blockInterval "" leaves it unset: every height waits timeout_commit). */
  timeoutCommit?: string;
  blockInterval?: string;
  /** consensus.max_block_txs of every node (default DEFAULT_MAX_BLOCK_TXS). */
  maxBlockTxs?: number;
}

export interface DevnetBenchFigures {
  validators: number;
  /** How heights were paced (timeout_commit, block_interval). */
  blocks: string;
  offered: number;
  /** broadcast_tx_sync requests sent (a refused one sent again counts twice), and per second of load. */
  sent: number;
  sentPerSecond: number;
  /** Answers other than admitted (e.g. a full mempool, or a sequence behind a refused one). */
  refused: number;
  /** The refusals by reason, most frequent first, with the node's words for the first of each. */
  refusedBy: { reason: string; count: number; example: string }[];
  /** The bench process's CPU over the load per request sent, µs (all threads, main thread): the
   * sender plus the height and block polling. */
  senderMicrosPerTx: number;
  senderMainMicrosPerTx: number;
  committed: number;
  sustainedTxPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Latency of the txs sent after the warm-up until the load stopped. */
  steadyLatencyP50Ms: number;
  steadyLatencyP99Ms: number;
  nodes: {
    moniker: string;
    /** Process CPU (all threads) and its main thread over the run, % of one core. */
    cpuPercent: number;
    mainThreadPercent: number;
    /** Process CPU and main-thread CPU per committed tx, µs. */
    cpuMicrosPerTx: number;
    mainThreadMicrosPerTx: number;
    /** CPU µs per committed tx by thread name (main, V8Worker = GC, WorkerThread = verify pool, libuv-worker). */
    threadMicrosPerTx: Record<string, number>;
    idleRssMb: number;
    peakRssMb: number;
    /** net_info.p2p_metrics at the end (undefined for a single validator: no network). */
    p2p: Record<string, number> | undefined;
  }[];
  loadAverage: number;
}

async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC results, read field by field by the caller
async function rpc(url: string, method: string, params: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return response.json();
}

export function procCpuSeconds(pid: number, statFile = `/proc/${pid}/stat`): number {
  const fields = readFileSync(statFile, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** CPU seconds per thread of a process, keyed by thread id: [thread name, seconds]. The main thread's
 * id is the process id; V8's GC/compiler threads are "V8Worker", worker_threads "WorkerThread",
 * libuv's pool (LevelDB, fs) "libuv-worker". */
function procThreadCpuSeconds(pid: number): Map<string, [string, number]> {
  const threads = new Map<string, [string, number]>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name =
        tid === String(pid) ? "main" : readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      threads.set(tid, [name, procCpuSeconds(pid, `/proc/${pid}/task/${tid}/stat`)]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return threads;
}

/** CPU seconds per thread name between two snapshots (threads that ended in between are lost). */
function threadCpuDelta(
  before: Map<string, [string, number]>,
  after: Map<string, [string, number]>,
): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const [tid, [name, seconds]] of after)
    byName[name] = (byName[name] ?? 0) + seconds - (before.get(tid)?.[1] ?? 0);
  return byName;
}

function procRssMb(pid: number, field: "VmHWM" | "VmRSS"): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match === null ? 0 : Number(match[1]) / 1024;
}

const registry = new Registry(defaultRegistryTypes);

function signSend(
  key: Uint8Array,
  from: string,
  accountNumber: bigint,
  sequence: number,
  chainId: string,
): Uint8Array {
  const pubkey = secp256k1PublicKey(key);
  const body = registry.encodeTxBody({
    messages: [
      {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: { fromAddress: from, toAddress: from, amount: [{ denom: DENOM, amount: "1" }] },
      },
    ],
    memo: "",
  });
  const authInfo = makeAuthInfoBytes(
    [{ pubkey: encodePubkey(encodeSecp256k1Pubkey(pubkey)), sequence }],
    [{ denom: DENOM, amount: "2500" }],
    100_000,
    undefined,
    undefined,
  );
  const signDoc = makeSignDoc(body, authInfo, chainId, accountNumber);
  const signature = signSecp256k1(SignDoc.encode(signDoc).finish(), key);
  return TxRaw.encode({ bodyBytes: body, authInfoBytes: authInfo, signatures: [signature] }).finish();
}

export async function runDevnetBench(options: DevnetBenchOptions = {}): Promise<DevnetBenchFigures> {
  const validators = options.validators ?? 4;
  const rate = options.rate ?? 800;
  const seconds = options.seconds ?? 30;
  const warmup = options.warmupSeconds ?? 5;
  const accountCount = options.accounts ?? 400;
  const depth = options.accountDepth ?? DEFAULT_ACCOUNT_DEPTH;
  const rpcNodes = Math.min(validators, options.rpcNodes ?? validators);
  const keys = Array.from({ length: accountCount }, () => new Uint8Array(randomBytes(32)));
  const addresses = keys.map((key) => encodeAddress(secp256k1Address(secp256k1PublicKey(key)), "sensor"));
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-bench-devnet-"));
  const ports: { rpc: number; p2p: number }[] = [];
  for (let i = 0; i < validators; i++) ports.push({ rpc: await freePort(), p2p: await freePort() });
  const devnet = await createDevnet({
    dir,
    validators,
    ports: (i) => ports[i]!,
    accounts: addresses.map((address) => ({ address, amount: 1_000_000_000n })),
    timeoutCommit: options.timeoutCommit ?? DEFAULT_TIMEOUT_COMMIT,
    ...(options.blockInterval === ""
      ? {}
      : { blockInterval: options.blockInterval ?? DEFAULT_BLOCK_INTERVAL }),
    ...(options.maxBlockTxs === undefined ? {} : { maxBlockTxs: options.maxBlockTxs }),
  });
  // Signed before the nodes start, so that signing competes with nothing we measure.
  // Genesis account numbers follow the genesis order: the faucet is 0, the bench accounts 1..n.
  const chainId = devnet.chainId;
  const perAccount = Math.ceil((rate * seconds * 1.2) / accountCount);
  // Each tx's request body and hash, made with its signature (a client encodes a tx once).
  let requestId = 0;
  const signed: { body: Buffer; hash: string }[][] = keys.map((key, i) =>
    Array.from({ length: perAccount }, (_, sequence) => {
      const tx = signSend(key, addresses[i]!, BigInt(i + 1), sequence, chainId);
      return { body: broadcastBody(tx, ++requestId), hash: createHash("sha256").update(tx).digest("hex") };
    }),
  );
  if (options.logDir !== undefined) mkdirSync(options.logDir, { recursive: true });
  const logFds =
    options.logDir === undefined
      ? []
      : devnet.nodes.map((node) => openSync(join(options.logDir!, `${node.moniker}.log`), "w"));
  const children = devnet.nodes.map((node, i) =>
    startDevnetNode(node, ["--log_level", options.logDir === undefined ? "warn" : "debug"], logFds[i], [
      ...(options.nodeFlags ?? []),
      ...(options.cpuProfileDir === undefined
        ? []
        : ["--cpu-prof", `--cpu-prof-dir=${join(options.cpuProfileDir, node.moniker)}`]),
    ]),
  );
  for (const fd of logFds) closeSync(fd);
  // Drain the pipes (a full pipe would block a node's synchronous logger) and keep a tail to show.
  const tails = children.map(() => ({ text: "" }));
  children.forEach((child, i) => {
    const keep = (chunk: Buffer) => {
      tails[i]!.text = (tails[i]!.text + chunk.toString()).slice(-4000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
  });
  const urls = devnet.nodes.map((node) => `http://127.0.0.1:${node.rpcPort}`);
  try {
    for (;;) {
      const heights = await Promise.all(
        urls.map((url) =>
          rpc(url, "status")
            .then((s) => Number(s.result.sync_info.latest_block_height))
            .catch(() => 0),
        ),
      );
      if (heights.every((h) => h >= 2)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    /** Each admitted tx: when its broadcast_tx_sync was requested and answered (admitted), and the
     * node (index) whose RPC admitted it. */
    const admitted = new Map<string, { requestedAt: number; answeredAt: number; node: number }>();
    const includedAt = new Map<string, number>();
    const includedHeight = new Map<string, number>();
    const cursors: AccountCursor[] = Array.from({ length: accountCount }, () => ({
      next: 0,
      inflight: 0,
      rewindTo: undefined,
    }));
    const connections = devnet.nodes.map((node) =>
      Array.from({ length: CONNECTIONS_PER_NODE }, () => new PipelinedConnection("127.0.0.1", node.rpcPort)),
    );
    const cpuStart = children.map((child) => procCpuSeconds(child.pid!));
    const threadsStart = children.map((child) => procThreadCpuSeconds(child.pid!));
    const idleRss = children.map((child) => procRssMb(child.pid!, "VmRSS"));
    const start = performance.now();
    let stopPolling = false;
    let polledHeight = -1;
    while (polledHeight < 0)
      polledHeight = await rpc(urls[0]!, "status")
        .then((s) => Number(s.result.sync_info.latest_block_height))
        .catch(() => -1); // an overloaded node may drop a connection: ask again
    // Every node's status is polled on its own loop and each new height stamped when a status first
    // shows it (committed on one node is committed); the blocks' txs are fetched from node 0 by another
    // loop. A block's fetch (~0.3 MB of JSON for 1,000 txs, slow on a busy node) delayed the next
    // status poll, and a busy node 0 answers late: at load ~25 the bench first saw heights 7-9 in one
    // status answer 11 s after node 0 had logged height 7 committed.
    const heightSeenAt = new Map<number, number>();
    let fetchedHeight = polledHeight;
    const poller = Promise.all(
      urls.map(async (url) => {
        while (!stopPolling) {
          try {
            const latest = Number((await rpc(url, "status")).result.sync_info.latest_block_height);
            const now = performance.now();
            for (; polledHeight < latest; polledHeight++) heightSeenAt.set(polledHeight + 1, now);
          } catch {
            // an overloaded node answered late or not at all: poll again
          }
          await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
        }
      }),
    );
    const fetchBlocks = async () => {
      for (let failures = 0; fetchedHeight < polledHeight && failures < 20; ) {
        const height = fetchedHeight + 1;
        try {
          const block = await rpc(urls[0]!, "block", { height: String(height) });
          for (const tx of block.result.block.data.txs as string[]) {
            const hash = createHash("sha256").update(Buffer.from(tx, "base64")).digest("hex");
            includedAt.set(hash, heightSeenAt.get(height)!);
            includedHeight.set(hash, height);
          }
          fetchedHeight = height;
        } catch {
          failures++;
          await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS)); // ask again
        }
      }
    };
    const fetcher = (async () => {
      while (!stopPolling) {
        await fetchBlocks();
        await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
      }
    })();
    let sent = 0;
    let refused = 0;
    const refusals = new RefusalTally();
    let cursor = 0;
    const inflight = new Set<Promise<void>>();
    const tickMs = 10;
    const senderCpuStart = process.cpuUsage();
    const senderMainStart = process.threadCpuUsage();
    while (performance.now() - start < seconds * 1000) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      let scanned = 0;
      while (sent < due && scanned < accountCount) {
        const account = cursor;
        cursor = (cursor + 1) % accountCount;
        scanned++;
        const state = cursors[account]!;
        if (state.inflight >= depth || state.rewindTo !== undefined || state.next >= perAccount) continue;
        const sequence = state.next++;
        state.inflight++;
        const { body, hash } = signed[account]![sequence]!;
        const node = account % rpcNodes;
        const connection = connections[node]![Math.floor(account / rpcNodes) % CONNECTIONS_PER_NODE]!;
        sent++;
        // From the request, not its answer: a client waits for checkTx too (up to seconds on a busy node).
        const requestedAt = performance.now();
        const sending = connection.send(body).then((outcome) => {
          inflight.delete(sending);
          if (!settleBroadcast(state, sequence, outcome)) {
            refused++;
            refusals.add(outcome);
          } else if (!admitted.has(hash))
            admitted.set(hash, { requestedAt, answeredAt: performance.now(), node });
        });
        inflight.add(sending);
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    const sendEnd = performance.now();
    await Promise.all(inflight);
    const loadEnd = performance.now();
    const senderCpu = process.cpuUsage(senderCpuStart);
    const senderMain = process.threadCpuUsage(senderMainStart);
    for (const connection of connections.flat()) connection.close();
    // Let the mempools drain (up to 15 s) for the latency figures.
    const drainDeadline = performance.now() + 15_000;
    while (performance.now() < drainDeadline && [...admitted.keys()].some((h) => !includedAt.has(h)))
      await new Promise((r) => setTimeout(r, 200));
    stopPolling = true;
    await Promise.all([poller, fetcher]);
    await fetchBlocks();
    const elapsed = (performance.now() - start) / 1000;
    const cpuSeconds = children.map((child, i) => procCpuSeconds(child.pid!) - cpuStart[i]!);
    const threadSeconds = children.map((child, i) =>
      threadCpuDelta(threadsStart[i]!, procThreadCpuSeconds(child.pid!)),
    );
    const mainSeconds = threadSeconds.map((threads) => threads["main"] ?? 0);
    const rss = children.map((child) => procRssMb(child.pid!, "VmHWM"));
    const p2p = await Promise.all(
      urls.map((url) =>
        rpc(url, "net_info")
          .then((info) => info.result?.p2p_metrics as Record<string, number> | undefined)
          .catch(() => undefined),
      ),
    );
    const latencies: number[] = [];
    const steadyLatencies: number[] = [];
    let inWindow = 0;
    for (const [hash, { requestedAt }] of admitted) {
      const included = includedAt.get(hash);
      if (included === undefined) continue;
      latencies.push(included - requestedAt);
      if (requestedAt - start >= warmup * 1000) steadyLatencies.push(included - requestedAt);
      if (included - start >= warmup * 1000 && included <= loadEnd) inWindow++;
    }
    latencies.sort((a, b) => a - b);
    steadyLatencies.sort((a, b) => a - b);
    if (options.logDir !== undefined) {
      const epoch = (at: number) => performance.timeOrigin + at;
      const txs = [...admitted].flatMap(([hash, tx]) => {
        const seen = includedAt.get(hash);
        const height = includedHeight.get(hash);
        return seen === undefined || height === undefined
          ? []
          : [
              {
                sentAt: epoch(tx.requestedAt),
                answeredAt: epoch(tx.answeredAt),
                seenAt: epoch(seen),
                height,
                node: tx.node,
              },
            ];
      });
      // For analyses the breakdown does not make (tx, node and height timings beside the logs).
      writeFileSync(join(options.logDir, "txs.json"), JSON.stringify(txs));
      printLatencyBreakdown(
        options.logDir,
        devnet.nodes.map((node) => node.moniker),
        txs,
        options.maxBlockTxs ?? DEFAULT_MAX_BLOCK_TXS,
      );
    }
    return {
      validators,
      blocks: `timeout_commit ${options.timeoutCommit ?? DEFAULT_TIMEOUT_COMMIT}, block_interval ${
        options.blockInterval === "" ? "off" : (options.blockInterval ?? DEFAULT_BLOCK_INTERVAL)
      }`,
      offered: rate,
      sent,
      sentPerSecond: sent / ((sendEnd - start) / 1000),
      refused,
      refusedBy: refusals.entries(),
      senderMicrosPerTx: (senderCpu.user + senderCpu.system) / Math.max(1, sent),
      senderMainMicrosPerTx: (senderMain.user + senderMain.system) / Math.max(1, sent),
      committed: latencies.length,
      sustainedTxPerSecond: inWindow / ((loadEnd - start) / 1000 - warmup),
      latencyP50Ms: quantile(latencies, 0.5),
      latencyP99Ms: quantile(latencies, 0.99),
      steadyLatencyP50Ms: quantile(steadyLatencies, 0.5),
      steadyLatencyP99Ms: quantile(steadyLatencies, 0.99),
      nodes: devnet.nodes.map((node, i) => ({
        moniker: node.moniker,
        cpuPercent: (cpuSeconds[i]! / elapsed) * 100,
        mainThreadPercent: (mainSeconds[i]! / elapsed) * 100,
        cpuMicrosPerTx: (cpuSeconds[i]! * 1e6) / Math.max(1, latencies.length),
        mainThreadMicrosPerTx: (mainSeconds[i]! * 1e6) / Math.max(1, latencies.length),
        threadMicrosPerTx: Object.fromEntries(
          Object.entries(threadSeconds[i]!).map(([name, cpu]) => [
            name,
            (cpu * 1e6) / Math.max(1, latencies.length),
          ]),
        ),
        idleRssMb: idleRss[i]!,
        peakRssMb: rss[i]!,
        p2p: p2p[i],
      })),
      loadAverage: loadavg()[0]!,
    };
  } catch (error) {
    for (const [i, tail] of tails.entries()) console.error(`--- ${devnet.nodes[i]!.moniker}\n${tail.text}`);
    throw error;
  } finally {
    signalDevnetNodes(children);
    await devnetNodesExited(children);
    await rm(dir, { recursive: true, force: true });
  }
}

export function printDevnetFigures(f: DevnetBenchFigures): void {
  console.log(
    `${f.validators} validator(s), ${f.blocks}, offered ${fmt(f.offered)} tx/s: sustained ${fmt(f.sustainedTxPerSecond)} tx/s, ` +
      `committed ${fmt(f.committed)} of ${fmt(f.sent)} sent, latency p50 ${fmt(f.latencyP50Ms)} ms p99 ${fmt(f.latencyP99Ms)} ms (load average ${f.loadAverage.toFixed(1)})`,
  );
  console.log(
    `  steady state (txs sent after the warm-up): latency p50 ${fmt(f.steadyLatencyP50Ms)} ms p99 ${fmt(f.steadyLatencyP99Ms)} ms`,
  );
  console.log(
    `  sender: ${fmt(f.sentPerSecond)} broadcast_tx_sync/s, ${fmt(f.refused)} refused; bench process ` +
      `${fmt(f.senderMicrosPerTx)} µs CPU per request (main thread ${fmt(f.senderMainMicrosPerTx)}; with the polling)`,
  );
  for (const { reason, count, example } of f.refusedBy)
    console.log(
      `    refused ${fmt(count)}: ${reason}${example === "" ? "" : ` (first: ${example.slice(0, 160)})`}`,
    );
  for (const node of f.nodes)
    console.log(
      `  ${node.moniker.padEnd(11)} CPU ${node.cpuPercent.toFixed(0)}% of a core (main thread ${node.mainThreadPercent.toFixed(0)}%), ` +
        `${fmt(node.cpuMicrosPerTx)} µs per committed tx (main thread ${fmt(node.mainThreadMicrosPerTx)}), ` +
        `RSS ${node.idleRssMb.toFixed(0)} MB idle, ${node.peakRssMb.toFixed(0)} MB peak\n` +
        `              µs/tx by thread: ${Object.entries(node.threadMicrosPerTx)
          .filter(([, micros]) => micros >= 1)
          .sort((a, b) => b[1] - a[1])
          .map(([name, micros]) => `${name} ${fmt(micros)}`)
          .join(", ")}` +
        (node.p2p === undefined
          ? ""
          : `\n              consensus gossip ${mb(node.p2p["consensusBytesPublished"])} MB published ` +
            `(catch-up commits ${mb(node.p2p["catchupBytesPublished"])} MB), ` +
            `${fmt(node.p2p["consensusAccepted"] ?? 0)} messages accepted, ${fmt(node.p2p["consensusIgnored"] ?? 0)} ignored, ` +
            `${mb(node.p2p["consensusBytesReceived"])} MB received; tx batches ${fmt(node.p2p["txBatchesPublished"] ?? 0)} published, ` +
            `${fmt(node.p2p["txBatchesAccepted"] ?? 0)} accepted, ${fmt(node.p2p["txBatchesIgnored"] ?? 0)} ignored; ` +
            `compact proposals ${fmt(node.p2p["compactProposalsRebuilt"] ?? 0)} rebuilt, ` +
            `${fmt(node.p2p["proposalTxsFetched"] ?? 0)} txs fetched, ${fmt(node.p2p["proposalTxFetchFailures"] ?? 0)} fetches failed`),
    );
}

function mb(bytes: number | undefined): string {
  return ((bytes ?? 0) / 1024 / 1024).toFixed(1);
}

/** The single-node figure (1 validator, same harness) beside the 4-validator devnet, same run. */
export async function runDevnetBenchPair(options: DevnetBenchOptions = {}): Promise<void> {
  printDevnetFigures(await runDevnetBench({ ...options, validators: 1 }));
  printDevnetFigures(await runDevnetBench({ ...options, validators: options.validators ?? 4 }));
}

export const devnetBenchCommand = benchCommand({
  name: "devnet",
  summary:
    "Sustained MsgSend tx/s and commit latency (broadcast_tx_sync request to inclusion) of a devnet of real\n" +
    "validator processes on loopback, with CPU per committed tx and peak RSS per validator; by default\n" +
    "1 validator (the single-node figure) then the devnet.",
  flags: {
    rate: { type: "number", default: 800, description: "offered load, tx/s" },
    seconds: { type: "number", default: 30, description: "load duration, s (the first 5 s are the warm-up)" },
    validators: { type: "integer", default: 4, description: "validators of the devnet" },
    accounts: { type: "integer", default: 400, description: "sending accounts" },
    depth: {
      type: "integer",
      default: DEFAULT_ACCOUNT_DEPTH,
      description: "broadcast_tx_sync requests of one account in flight at most",
    },
    "rpc-nodes": {
      type: "integer",
      defaultText: "all",
      description: "broadcast to the first N nodes only (the others take txs by gossip)",
    },
    "max-block-txs": {
      type: "integer",
      default: DEFAULT_MAX_BLOCK_TXS,
      description: "consensus.max_block_txs of every node",
    },
    "timeout-commit": {
      type: "string",
      default: DEFAULT_TIMEOUT_COMMIT,
      description: "consensus.timeout_commit of every node",
    },
    "block-interval": {
      type: "string",
      default: DEFAULT_BLOCK_INTERVAL,
      description: 'consensus.block_interval of every node ("" leaves it unset)',
    },
    "log-dir": {
      type: "string",
      description:
        "each node logs at debug level to <dir>/<moniker>.log, and the latency breakdown is printed",
    },
    "cpu-prof-dir": { type: "string", description: "each node writes a V8 CPU profile to <dir>/<moniker>/" },
    "node-flags": {
      type: "string",
      description:
        'flags of every node\'s Node.js binary, space-separated; give it with = since they start with a dash (--node-flags="--max-semi-space-size=16")',
    },
    "only-multi": {
      type: "boolean",
      description: "skip the single-node run (diagnosis runs on a loaded machine)",
    },
  },
  run: async (flags) => {
    const options: DevnetBenchOptions = {
      rate: flags.rate,
      seconds: flags.seconds,
      validators: flags.validators,
      accounts: flags.accounts,
      accountDepth: flags.depth,
      maxBlockTxs: flags["max-block-txs"],
      timeoutCommit: flags["timeout-commit"],
      blockInterval: flags["block-interval"],
    };
    if (flags["rpc-nodes"] !== undefined) options.rpcNodes = flags["rpc-nodes"];
    if (flags["log-dir"] !== undefined) options.logDir = flags["log-dir"];
    if (flags["cpu-prof-dir"] !== undefined) options.cpuProfileDir = flags["cpu-prof-dir"];
    if (flags["node-flags"] !== undefined)
      options.nodeFlags = flags["node-flags"].split(" ").filter((flag) => flag !== "");
    if (flags["only-multi"]) printDevnetFigures(await runDevnetBench(options));
    else await runDevnetBenchPair(options);
  },
});

if (import.meta.main) await runBenchMain(devnetBenchCommand);
