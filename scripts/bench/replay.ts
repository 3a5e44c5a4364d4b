// Replay speed beside live execution. A real node process (every module, default config but the
// block interval) is fed pre-signed MsgSend txs from many genesis accounts through broadcast_tx_sync;
// the live figure is what the chain did: blocks and txs from the first to the last block carrying
// txs over the wall time it took. The node is stopped and `replayChain` re-executes its home from
// genesis (every commit verified, every app hash and results hash checked; the final key-by-key
// state comparison is not timed). Targets (issue 6): replay >= 10x faster than the chain produced
// the blocks, and >= 2,000 MsgSend tx/s.
//
//   ./node_modules/.bin/node scripts/bench/replay.ts [--accounts 1000] [--txs-per-account 4] [--block-interval 1s]
import { readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { encodeAddress } from "../../chain/crypto/bech32.ts";
import {
  secp256k1Address,
  secp256k1PublicKey,
  signSecp256k1,
  verifySecp256k1,
} from "../../chain/crypto/secp256k1.ts";
import { replayChain } from "../../chain/replay.ts";
import { addGenesisAccount, type GenesisJson } from "../../genesis/genesis.ts";
import {
  CHAIN_ID,
  createTestHome,
  DENOM,
  rpc,
  startNodeProcess,
  waitForHeight,
} from "../../test/helpers/node-process.ts";
import { rate } from "./crypto.ts";
import { type BenchSigner, signedTx } from "./signed-tx.ts";

export interface ReplayBenchOptions {
  accounts?: number;
  txsPerAccount?: number;
  /** The node's timeout_commit (block interval) while the chain is produced. */
  blockInterval?: string;
  /** broadcast_tx_sync calls in flight. */
  inFlight?: number;
  /** Also replay without the verification pool, for the before/after figure. */
  compareWithoutPool?: boolean;
}

export interface ReplayBenchFigures {
  txs: number;
  blocks: number;
  liveSeconds: number;
  liveBlocksPerSecond: number;
  liveTxsPerSecond: number;
  replaySeconds: number;
  replayBlocksPerSecond: number;
  replayTxsPerSecond: number;
  /** Live seconds for the replayed range over replay seconds (target >= 10). */
  speedup: number;
  /** Main-thread CPU per tx in replay (verification in the pool not included). */
  replayMainThreadMicrosPerTx: number;
  /** Execution waiting for the pool's verdicts (the pool, not the main thread, was the bound). */
  replayPreverifyWaitSeconds: number;
  /** Same run, the ceiling: secp256k1 verifications per second on one core (one per MsgSend). */
  secp256k1VerifyPerSecond: number;
  /** Replay without the verification pool (signatures verified inside finalizeBlock), same home. */
  withoutPool?: { txsPerSecond: number; mainThreadMicrosPerTx: number };
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

/** Submits `txs` with `inFlight` concurrent broadcast_tx_sync calls, in order per worker. */
async function submitAll(url: string, txs: Uint8Array[], inFlight: number): Promise<number> {
  let next = 0;
  let refused = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= txs.length) return;
      const answer = await rpc(url, "broadcast_tx_sync", { tx: Buffer.from(txs[index]!).toString("base64") });
      if (answer.error !== undefined || Number(answer.result?.code ?? 0) !== 0) refused++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return refused;
}

async function blockTxCount(url: string, height: bigint): Promise<number> {
  const block = await rpc(url, "block", { height: String(height) });
  return (block.result.block.data.txs ?? []).length;
}

export async function runReplayBench(options: ReplayBenchOptions = {}): Promise<ReplayBenchFigures> {
  const accountCount = options.accounts ?? 1000;
  const txsPerAccount = options.txsPerAccount ?? 4;
  const inFlight = options.inFlight ?? 200;
  const home = await createTestHome();
  try {
    // Genesis accounts numbered after the faucet's (account number 0).
    const genesisFile = join(home.home, "config/genesis.json");
    let genesis = JSON.parse(await readFile(genesisFile, "utf8")) as GenesisJson;
    const accounts = Array.from({ length: accountCount }, (_, i) => account(i, BigInt(i + 1)));
    for (const a of accounts)
      genesis = addGenesisAccount(genesis, a.address, [{ denom: DENOM, amount: 10n ** 12n }]);
    const numbers = new Map(
      genesis.app_state.auth.accounts.map((a) => [a.address, BigInt(a.account_number)]),
    );
    for (const a of accounts) a.accountNumber = numbers.get(a.address)!;
    await writeFile(genesisFile, JSON.stringify(genesis, null, 2));

    // Sequence-major: every account's tx at sequence s before any at s + 1.
    const txs: Uint8Array[] = [];
    for (let sequence = 0; sequence < txsPerAccount; sequence++)
      for (const [i, a] of accounts.entries())
        txs.push(signedSend(a, accounts[(i + 1) % accountCount]!.address, sequence));

    const node = await startNodeProcess(home.home, { blockInterval: options.blockInterval ?? "1s" });
    const loadStart = loadavg()[0]!;
    let firstHeight: bigint;
    let lastHeight: bigint;
    let liveSeconds: number;
    try {
      firstHeight = BigInt((await rpc(node.rpcUrl, "status")).result.sync_info.latest_block_height) + 1n;
      const started = performance.now();
      const refused = await submitAll(node.rpcUrl, txs, inFlight);
      if (refused > 0) throw new Error(`${refused} txs refused by the node`);
      // Until the mempool is empty and every tx is in a block.
      for (;;) {
        const pending = await rpc(node.rpcUrl, "num_unconfirmed_txs");
        if (Number(pending.result.total) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      lastHeight = BigInt((await rpc(node.rpcUrl, "status")).result.sync_info.latest_block_height);
      liveSeconds = (performance.now() - started) / 1000;
      await waitForHeight(node.rpcUrl, lastHeight + 1n);
      // Trim empty blocks at the ends: the live range is first..last block carrying txs.
      while (firstHeight < lastHeight && (await blockTxCount(node.rpcUrl, firstHeight)) === 0) firstHeight++;
      while (lastHeight > firstHeight && (await blockTxCount(node.rpcUrl, lastHeight)) === 0) lastHeight--;
    } finally {
      await node.stop();
    }
    const report = await replayChain({ home: home.home, skipStateCheck: true });
    if (report.mismatches.length > 0)
      throw new Error(`replay mismatch: ${JSON.stringify(report.mismatches)}`);
    const noPool = options.compareWithoutPool
      ? await replayChain({ home: home.home, skipStateCheck: true, verifyWorkers: 0 })
      : undefined;
    const probe = account(0, 0n);
    const message = new Uint8Array(200).fill(7);
    const signature = signSecp256k1(message, probe.privateKey);
    const secp256k1VerifyPerSecond = rate(() => verifySecp256k1(signature, message, probe.publicKey), 500);
    const loadEnd = loadavg()[0]!;
    const liveBlocks = Number(lastHeight - firstHeight + 1n);
    // Replay re-executes every stored block (the empty ones around the live range too), so live
    // seconds over all of replay's seconds understates the speedup a little.
    const figures: ReplayBenchFigures = {
      txs: txs.length,
      blocks: liveBlocks,
      liveSeconds,
      liveBlocksPerSecond: liveBlocks / liveSeconds,
      liveTxsPerSecond: txs.length / liveSeconds,
      replaySeconds: report.seconds,
      replayBlocksPerSecond: report.blocksPerSecond,
      replayTxsPerSecond: report.txsPerSecond,
      speedup: liveSeconds / report.seconds,
      replayMainThreadMicrosPerTx: report.mainThreadCpuMicrosPerTx,
      replayPreverifyWaitSeconds: report.preverifyWaitSeconds,
      secp256k1VerifyPerSecond,
      ...(noPool === undefined
        ? {}
        : {
            withoutPool: {
              txsPerSecond: noPool.txsPerSecond,
              mainThreadMicrosPerTx: noPool.mainThreadCpuMicrosPerTx,
            },
          }),
      loadAverage: [loadStart, loadEnd],
    };
    printReplayFigures(figures, report.blocks);
    return figures;
  } finally {
    if (process.env["REPLAY_BENCH_KEEP_HOME"] === "1") console.log(`home kept: ${home.home}`);
    else await home.remove();
  }
}

function printReplayFigures(f: ReplayBenchFigures, replayedBlocks: number): void {
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  console.log(
    `live:   ${n(f.txs)} MsgSend in ${f.blocks} blocks, ${f.liveSeconds.toFixed(2)} s: ${n(f.liveTxsPerSecond)} tx/s, ${f.liveBlocksPerSecond.toFixed(2)} blocks/s`,
  );
  console.log(
    `replay: ${replayedBlocks} blocks from genesis in ${f.replaySeconds.toFixed(2)} s: ${n(f.replayTxsPerSecond)} tx/s, ${n(f.replayBlocksPerSecond)} blocks/s`,
  );
  console.log(
    `replay main thread: ${n(f.replayMainThreadMicrosPerTx)} µs CPU/tx (pool verifies), waited ${f.replayPreverifyWaitSeconds.toFixed(2)} s for verdicts; ceiling: secp256k1 verify ${n(f.secp256k1VerifyPerSecond)}/s on one core`,
  );
  if (f.withoutPool !== undefined)
    console.log(
      `replay without the pool: ${n(f.withoutPool.txsPerSecond)} tx/s, main thread ${n(f.withoutPool.mainThreadMicrosPerTx)} µs CPU/tx`,
    );
  console.log(
    `replay is ${f.speedup.toFixed(1)}x faster than the chain produced these txs (target >= 10x); ${n(f.replayTxsPerSecond)} tx/s (target >= 2,000); load average ${f.loadAverage.map((x) => x.toFixed(1)).join(" -> ")}`,
  );
}

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

if (import.meta.main) {
  const number = (name: string) => (flag(name) === undefined ? undefined : Number(flag(name)));
  const accounts = number("--accounts");
  const txsPerAccount = number("--txs-per-account");
  const blockInterval = flag("--block-interval");
  await runReplayBench({
    compareWithoutPool: process.argv.includes("--compare-without-pool"),
    ...(accounts === undefined ? {} : { accounts }),
    ...(txsPerAccount === undefined ? {} : { txsPerAccount }),
    ...(blockInterval === undefined ? {} : { blockInterval }),
  });
}
