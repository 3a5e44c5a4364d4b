// Replay speed beside the chain that produced the blocks. A real node process (every module, the
// default 1 s block interval) is fed pre-signed MsgSend txs from many genesis accounts through
// broadcast_tx_sync, in two ways:
//   steady:    a load the node carries (--rate tx/s for --seconds), as a real chain is produced; the
//              chain's time is its headers' span (last block time − first block time);
//   saturated: every tx at once (--txs-per-account per account), the node's own ceiling; live is
//              the wall time from the first submission to an empty mempool.
// The node is stopped and `replayChain` re-executes its home from genesis (every commit verified,
// every app hash and results hash checked; the final key-by-key state comparison is not timed).
// Targets (issue 6): replay >= 10x faster than the chain produced the blocks, >= 2,000 MsgSend tx/s.
//
//   ./node_modules/.bin/node scripts/bench/replay.ts [--case steady|saturated|both] [--rate 300]
//     [--seconds 30] [--accounts 1000] [--txs-per-account 4] [--block-interval 1s] [--in-flight 200]
//     [--compare-without-pool]   (--help lists them with their meaning)
import { readFile, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { encodeAddress } from "../../chain/crypto/bech32.ts";
import {
  secp256k1Address,
  secp256k1PublicKey,
  signSecp256k1,
  verifySecp256k1,
} from "../../chain/crypto/secp256k1.ts";
import { type ReplayReport, replayChain } from "../../chain/replay.ts";
import { addGenesisAccount, type GenesisJson } from "../../genesis/genesis.ts";
import {
  CHAIN_ID,
  createTestHome,
  DENOM,
  rpc,
  startNodeProcess,
  waitForHeight,
} from "../../test/helpers/node-process.ts";
import { benchCommand, runBenchMain } from "./args.ts";
import { rate } from "./crypto.ts";
import { type BenchSigner, signedTx } from "./signed-tx.ts";

/** A steady chain carried its load when its headers show at least this share of the offered rate. */
const STEADY_CARRIED_SHARE = 0.9;

export type ReplayBenchCase = "steady" | "saturated";

export interface ReplayBenchOptions {
  /** Which chains to produce and replay (default both). */
  cases?: readonly ReplayBenchCase[];
  accounts?: number;
  /** Saturated case: txs per account, all submitted at once. */
  txsPerAccount?: number;
  /** Steady case: the offered load, tx/s, for `seconds`. */
  rate?: number;
  seconds?: number;
  /** The node's timeout_commit (block interval) while the chain is produced. */
  blockInterval?: string;
  /** broadcast_tx_sync calls in flight. */
  inFlight?: number;
  /** Also replay without the verification pool, for the before/after figure. */
  compareWithoutPool?: boolean;
}

export interface ReplayCaseFigures {
  case: ReplayBenchCase;
  /** Steady case: the load offered, tx/s. */
  offeredTxsPerSecond?: number;
  txs: number;
  /** Blocks replayed (every block from genesis). */
  blocks: number;
  /** The chain's time from its headers (last − first block time, genesis block excepted). */
  chainSeconds: number;
  chainTxsPerSecond: number;
  /** Wall time from the first submission to an empty mempool. */
  liveSeconds: number;
  liveTxsPerSecond: number;
  replaySeconds: number;
  replayTxsPerSecond: number;
  replayBlocksPerSecond: number;
  /** chainSeconds / replaySeconds (target >= 10). */
  speedupOverChain: number;
  /** liveSeconds / replaySeconds. */
  speedupOverLive: number;
  /** Main-thread CPU per tx in replay (verification in the pool not included). */
  replayMainThreadMicrosPerTx: number;
  /** CPU of every thread of the process per tx (main, pool, LevelDB, GC). */
  replayProcessMicrosPerTx: number;
  replayPreverifyWaitSeconds: number;
  replayPreverifiedTxs: number;
  replayVerifyWorkers: number;
  /** Replay without the verification pool (signatures verified inside finalizeBlock), same home. */
  withoutPool?: { txsPerSecond: number; mainThreadMicrosPerTx: number; processMicrosPerTx: number };
}

export interface ReplayBenchFigures {
  cases: ReplayCaseFigures[];
  /** Same run, the ceiling: secp256k1 verifications per second on one core (one per MsgSend). */
  secp256k1VerifyPerSecond: number;
  cores: number;
  loadAverage: [number, number];
}

function account(index: number, accountNumber: bigint): BenchSigner {
  const privateKey = new Uint8Array(32);
  privateKey[0] = 0x37;
  new DataView(privateKey.buffer).setUint32(28, index + 1);
  const publicKey = secp256k1PublicKey(privateKey);
  return { privateKey, publicKey, address: encodeAddress(secp256k1Address(publicKey)), accountNumber };
}

function signedSend(from: BenchSigner, to: string, sequence: number): Uint8Array {
  const message = {
    typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    value: { fromAddress: from.address, toAddress: to, amount: [{ denom: DENOM, amount: "1" }] },
  };
  return signedTx(from, message, sequence, CHAIN_ID);
}

/** Submits `txs` (sequence-major over `accounts` accounts) with up to `inFlight` concurrent
 * broadcast_tx_sync calls; an account's txs go through one lane, each after the previous one's answer,
 * so a sequence never reaches checkTx before the one below it. At `rate` tx/s when given (tx i not
 * before i / rate seconds), else all at once. */
async function submitAll(
  url: string,
  txs: Uint8Array[],
  accounts: number,
  inFlight: number,
  rate?: number,
): Promise<number> {
  const started = performance.now();
  const lanes = Math.min(inFlight, accounts);
  let refused = 0;
  const lane = async (index: number) => {
    for (let i = 0; i < txs.length; i++) {
      if ((i % accounts) % lanes !== index) continue;
      const early = rate === undefined ? 0 : started + (i * 1000) / rate - performance.now();
      if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
      const answer = await rpc(url, "broadcast_tx_sync", { tx: Buffer.from(txs[i]!).toString("base64") });
      if (answer.error !== undefined || Number(answer.result?.code ?? 0) !== 0) {
        if (refused === 0) console.error(`refused: ${JSON.stringify(answer.error ?? answer.result)}`);
        refused++;
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, index) => lane(index)));
  return refused;
}

/** A home whose genesis funds `count` bench accounts, and `total` MsgSends from them in
 * sequence-major order (every account's tx at sequence s before any at s + 1). */
async function preparedHome(count: number, total: number) {
  const home = await createTestHome();
  const genesisFile = join(home.home, "config/genesis.json");
  let genesis = JSON.parse(await readFile(genesisFile, "utf8")) as GenesisJson;
  const accounts = Array.from({ length: count }, (_, i) => account(i, 0n));
  for (const a of accounts)
    genesis = addGenesisAccount(genesis, a.address, [{ denom: DENOM, amount: 10n ** 12n }]);
  const numbers = new Map(genesis.app_state.auth.accounts.map((a) => [a.address, BigInt(a.account_number)]));
  for (const a of accounts) a.accountNumber = numbers.get(a.address)!;
  await writeFile(genesisFile, JSON.stringify(genesis, null, 2));
  const txs: Uint8Array[] = [];
  for (let sequence = 0; txs.length < total; sequence++)
    for (const [i, a] of accounts.entries())
      if (txs.length < total) txs.push(signedSend(a, accounts[(i + 1) % count]!.address, sequence));
  return { home, txs };
}

async function timedReplay(home: string, verifyWorkers?: number): Promise<ReplayReport> {
  const report = await replayChain({
    home,
    skipStateCheck: true,
    ...(verifyWorkers === undefined ? {} : { verifyWorkers }),
  });
  if (report.mismatches.length > 0) throw new Error(`replay mismatch: ${JSON.stringify(report.mismatches)}`);
  return report;
}

async function runCase(kind: ReplayBenchCase, options: ReplayBenchOptions): Promise<ReplayCaseFigures> {
  const accounts = options.accounts ?? 1000;
  const rate = kind === "steady" ? (options.rate ?? 300) : undefined;
  const total =
    rate === undefined ? accounts * (options.txsPerAccount ?? 4) : Math.round(rate * (options.seconds ?? 30));
  const { home, txs } = await preparedHome(accounts, total);
  try {
    const node = await startNodeProcess(home.home, { blockInterval: options.blockInterval ?? "1s" });
    let liveSeconds: number;
    try {
      const started = performance.now();
      const refused = await submitAll(node.rpcUrl, txs, accounts, options.inFlight ?? 200, rate);
      if (refused > 0) throw new Error(`${refused} txs refused by the node`);
      // Until the mempool is empty and every tx is in a block.
      for (;;) {
        const pending = await rpc(node.rpcUrl, "num_unconfirmed_txs");
        if (Number(pending.result.total) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      liveSeconds = (performance.now() - started) / 1000;
      const last = BigInt((await rpc(node.rpcUrl, "status")).result.sync_info.latest_block_height);
      await waitForHeight(node.rpcUrl, last + 1n);
    } finally {
      await node.stop();
    }
    const report = await timedReplay(home.home);
    const noPool = options.compareWithoutPool ? await timedReplay(home.home, 0) : undefined;
    return caseFigures(kind, rate, liveSeconds, report, noPool);
  } finally {
    if (process.env["REPLAY_BENCH_KEEP_HOME"] === "1") console.log(`home kept: ${home.home}`);
    else await home.remove();
  }
}

function caseFigures(
  kind: ReplayBenchCase,
  rate: number | undefined,
  liveSeconds: number,
  report: ReplayReport,
  noPool: ReplayReport | undefined,
): ReplayCaseFigures {
  const processMicrosPerTx = (r: ReplayReport) => (r.txs > 0 ? (r.processCpuSeconds * 1e6) / r.txs : 0);
  return {
    case: kind,
    ...(rate === undefined ? {} : { offeredTxsPerSecond: rate }),
    txs: report.txs,
    blocks: report.blocks,
    chainSeconds: report.chainSeconds,
    chainTxsPerSecond: report.txs / report.chainSeconds,
    liveSeconds,
    liveTxsPerSecond: report.txs / liveSeconds,
    replaySeconds: report.seconds,
    replayTxsPerSecond: report.txsPerSecond,
    replayBlocksPerSecond: report.blocksPerSecond,
    speedupOverChain: report.chainSeconds / report.seconds,
    speedupOverLive: liveSeconds / report.seconds,
    replayMainThreadMicrosPerTx: report.mainThreadCpuMicrosPerTx,
    replayProcessMicrosPerTx: processMicrosPerTx(report),
    replayPreverifyWaitSeconds: report.preverifyWaitSeconds,
    replayPreverifiedTxs: report.preverifiedTxs,
    replayVerifyWorkers: report.verifyWorkers,
    ...(noPool === undefined
      ? {}
      : {
          withoutPool: {
            txsPerSecond: noPool.txsPerSecond,
            mainThreadMicrosPerTx: noPool.mainThreadCpuMicrosPerTx,
            processMicrosPerTx: processMicrosPerTx(noPool),
          },
        }),
  };
}

export async function runReplayBench(options: ReplayBenchOptions = {}): Promise<ReplayBenchFigures> {
  const loadStart = loadavg()[0]!;
  const cases: ReplayCaseFigures[] = [];
  for (const kind of options.cases ?? ["steady", "saturated"]) cases.push(await runCase(kind, options));
  const probe = account(0, 0n);
  const message = new Uint8Array(200).fill(7);
  const signature = signSecp256k1(message, probe.privateKey);
  const secp256k1VerifyPerSecond = rate(() => verifySecp256k1(signature, message, probe.publicKey), 500);
  const figures: ReplayBenchFigures = {
    cases,
    secp256k1VerifyPerSecond,
    cores: availableParallelism(),
    loadAverage: [loadStart, loadavg()[0]!],
  };
  printReplayFigures(figures);
  return figures;
}

function printReplayFigures(f: ReplayBenchFigures): void {
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  for (const c of f.cases) {
    const offered =
      c.offeredTxsPerSecond === undefined ? "all at once" : `offered ${n(c.offeredTxsPerSecond)} tx/s`;
    // Blocks that took longer than the interval or a mempool that backed up: saturated after all.
    if (
      c.offeredTxsPerSecond !== undefined &&
      c.chainTxsPerSecond < STEADY_CARRIED_SHARE * c.offeredTxsPerSecond
    )
      console.log(
        `NOTE: the node carried ${n(c.chainTxsPerSecond)} of the ${n(c.offeredTxsPerSecond)} tx/s offered: this steady chain is saturated too (lower --rate)`,
      );
    console.log(
      `${c.case} (${offered}): ${n(c.txs)} MsgSend in ${c.blocks} blocks; chain time (headers) ${c.chainSeconds.toFixed(1)} s = ${n(c.chainTxsPerSecond)} tx/s; live ${c.liveSeconds.toFixed(1)} s from first submission to empty mempool`,
    );
    console.log(
      `  replay: ${c.replaySeconds.toFixed(2)} s, ${n(c.replayTxsPerSecond)} tx/s, ${n(c.replayBlocksPerSecond)} blocks/s: ${c.speedupOverChain.toFixed(1)}x the chain's time (target >= 10x), ${c.speedupOverLive.toFixed(1)}x live`,
    );
    console.log(
      `  replay CPU: main thread ${n(c.replayMainThreadMicrosPerTx)} µs/tx, whole process ${n(c.replayProcessMicrosPerTx)} µs/tx; pool of ${c.replayVerifyWorkers} verified ${n(c.replayPreverifiedTxs)} txs ahead, execution waited ${c.replayPreverifyWaitSeconds.toFixed(2)} s`,
    );
    if (c.withoutPool !== undefined)
      console.log(
        `  replay without the pool: ${n(c.withoutPool.txsPerSecond)} tx/s, main thread ${n(c.withoutPool.mainThreadMicrosPerTx)} µs/tx, whole process ${n(c.withoutPool.processMicrosPerTx)} µs/tx`,
      );
    console.log(
      `  at 1 s blocks, replay is 10x the chain for chains carrying <= ${n(c.replayTxsPerSecond / 10)} tx/s (target: >= 2,000 tx/s replay)`,
    );
  }
  console.log(
    `ceiling (same run): secp256k1 verify ${n(f.secp256k1VerifyPerSecond)}/s on one core; ${f.cores} cores; load average ${f.loadAverage.map((x) => x.toFixed(1)).join(" -> ")}`,
  );
}

export const replayBenchCommand = benchCommand({
  name: "replay",
  summary:
    "Replay speed beside the chain that produced the blocks (a real node fed pre-signed MsgSends,\nthen replayChain from genesis); targets replay >= 10x the chain's time and >= 2,000 tx/s.",
  flags: {
    case: {
      type: "string",
      default: "both",
      choices: ["steady", "saturated", "both"],
      description: "which chains to produce and replay",
    },
    rate: { type: "number", default: 300, description: "steady case: offered load, tx/s" },
    seconds: { type: "number", default: 30, description: "steady case: seconds of load" },
    accounts: { type: "integer", default: 1000, description: "genesis-funded senders" },
    "txs-per-account": {
      type: "integer",
      default: 4,
      description: "saturated case: txs per account, all submitted at once",
    },
    "block-interval": {
      type: "string",
      default: "1s",
      description: "the node's block interval while producing",
    },
    "in-flight": { type: "integer", default: 200, description: "broadcast_tx_sync calls in flight" },
    "compare-without-pool": {
      type: "boolean",
      description: "also replay without the verification pool (npm run bench turns it on)",
    },
  },
  run: (flags) =>
    runReplayBench({
      compareWithoutPool: flags["compare-without-pool"],
      ...(flags.case === "both" ? {} : { cases: [flags.case as ReplayBenchCase] }),
      rate: flags.rate,
      seconds: flags.seconds,
      accounts: flags.accounts,
      txsPerAccount: flags["txs-per-account"],
      blockInterval: flags["block-interval"],
      inFlight: flags["in-flight"],
    }),
});

if (import.meta.main) await runBenchMain(replayBenchCommand);
