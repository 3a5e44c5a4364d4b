// The replay loop: InitChain from genesis, then each block checked (block-checks.ts), compared with
// the replayed state's hashes, executed and committed, until the last height or the first mismatch.
// Measures wall time and CPU over the blocks for the report.
import type { Genesis } from "../../genesis/genesis.ts";
import type { Application } from "../app/abci.ts";
import { ReplayPreverifier } from "../audit/preverify.ts";
import { diffRemoteState } from "../audit/remote-diff.ts";
import type { ReplaySource } from "../audit/replay-source.ts";
import { diffStates } from "../audit/state-diff.ts";
import { decidedLastCommit } from "../consensus/block-executor.ts";
import { misbehaviorOf } from "../consensus/evidence-pool.ts";
import { genesisInitChainRequest } from "../consensus/genesis-state.ts";
import { bytesEqual, toHex } from "../crypto/hash.ts";
import type { Secp256k1VerifyPool } from "../crypto/secp256k1-pool.ts";
import type { CommitMultiStore } from "../store/commit-types.ts";
import type { Timestamp } from "../types/block.ts";
import { hashResults } from "../types/hashes.ts";
import type { ValidatorSet } from "../types/validator-set.ts";
import { checkBlock, checkCommit, type PreviousBlock, signingSetOf } from "./block-checks.ts";
import { BlockFeed } from "./block-feed.ts";
import { type ReplayMismatch, type ReplayReport, secondsBetween } from "./report.ts";
import { ExpectedValidatorSets } from "./validator-sets.ts";

export interface ReplayRun {
  source: ReplaySource;
  genesis: Genesis;
  /** Last height to replay (≥ genesis.initialHeight). */
  last: bigint;
  /** A fresh application on `replayed`. */
  app: Application;
  replayed: CommitMultiStore;
  /** The original node's state (replay from a home): mismatches and the end are diffed against it. */
  original: CommitMultiStore | undefined;
  skipStateCheck: boolean;
  /** Verifies signatures ahead of execution; without it finalizeBlock verifies them all. */
  pool: Secp256k1VerifyPool | undefined;
}

export async function runReplay(run: ReplayRun): Promise<ReplayReport> {
  const { source, genesis, last, app, replayed, original, pool } = run;
  const initStarted = performance.now();
  const init = await app.initChain(genesisInitChainRequest(genesis));
  const initChainSeconds = (performance.now() - initStarted) / 1000;
  const started = performance.now();
  const cpuStarted = process.threadCpuUsage();
  const processCpuStarted = process.cpuUsage();
  let appHash = init.appHash;
  const expectedSets = new ExpectedValidatorSets(
    genesis.initialHeight,
    init.validators.length > 0 ? init.validators : genesisInitChainRequest(genesis).validators,
  );
  // Signatures of this and the next blocks' txs, verified in the pool while the main thread executes;
  // the app takes the verdicts (bound to the exact tx, sign bytes and key) and verifies only the rest.
  const preverifier = pool === undefined ? undefined : new ReplayPreverifier(app, pool);
  const feed = new BlockFeed(source, genesis.initialHeight, last, preverifier);
  let preverifyWaitMs = 0;

  const mismatches: ReplayMismatch[] = [];
  let txs = 0;
  let commitsVerified = 0;
  let signingSet: ValidatorSet | undefined;
  let lastSigningSet: ValidatorSet | undefined;
  let previous: PreviousBlock | undefined;
  let replayedThrough = genesis.initialHeight - 1n;
  let firstTime: Timestamp | undefined;
  let lastTime: Timestamp | undefined;
  let block = await feed.fetch(genesis.initialHeight);
  for (let height = genesis.initialHeight; height <= last; height++) {
    feed.preverifyAhead(height, block);
    const next = height < last ? await feed.fetch(height + 1n) : undefined;
    const { header } = block;
    checkBlock(block, height, genesis.chainId, previous);
    signingSet = await signingSetOf(source, block, height, signingSet);
    const expectedSet = expectedSets.at(height);
    if (expectedSet !== undefined && !bytesEqual(expectedSet.hash(), header.validatorsHash)) {
      mismatches.push({
        height: String(height),
        what: "validators_hash",
        expected: toHex(header.validatorsHash),
        actual: toHex(expectedSet.hash()),
      });
      break;
    }
    const commit = checkCommit(
      genesis.chainId,
      block,
      height,
      signingSet,
      next?.lastCommit ?? (await source.commit(height)),
    );
    commitsVerified++;

    if (!bytesEqual(header.appHash, appHash)) {
      const mismatch: ReplayMismatch = {
        height: String(height),
        what: "app_hash",
        expected: toHex(header.appHash),
        actual: toHex(appHash),
      };
      if (original !== undefined)
        mismatch.diff = await diffStates(original, replayed, Number(height - 1n), { allStores: false });
      else if (source.remote !== undefined)
        mismatch.diff = await diffRemoteState(source.remote, header.appHash, replayed, Number(height - 1n));
      mismatches.push(mismatch);
      break;
    }

    const waitStarted = performance.now();
    await preverifier?.take(height);
    preverifyWaitMs += performance.now() - waitStarted;
    const results = await app.finalizeBlock({
      txs: block.data.txs,
      height,
      time: header.time,
      proposerAddress: header.proposerAddress,
      nextValidatorsHash: header.nextValidatorsHash,
      hash: commit.blockId.hash,
      decidedLastCommit: decidedLastCommit(lastSigningSet?.validators ?? [], block.lastCommit),
      misbehavior: misbehaviorOf(block.evidence),
    });
    if (next !== undefined && !bytesEqual(next.header.lastResultsHash, hashResults(results.txResults))) {
      mismatches.push({
        height: String(height),
        what: "last_results_hash",
        expected: toHex(next.header.lastResultsHash),
        actual: toHex(hashResults(results.txResults)),
      });
    }
    expectedSets.executed(height, results.validatorUpdates, signingSet);
    await app.commit({ extraOperations: [] });
    appHash = results.appHash;
    txs += block.data.txs.length;
    replayedThrough = height;
    // The initial block carries the genesis time, not the time it was produced.
    if (height > genesis.initialHeight) firstTime ??= header.time;
    lastTime = header.time;
    previous = { blockId: commit.blockId.hash, nextValidatorsHash: header.nextValidatorsHash };
    lastSigningSet = signingSet;
    if (next !== undefined) block = next;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.threadCpuUsage(cpuStarted);
  const processCpu = process.cpuUsage(processCpuStarted);
  const blocks = Number(replayedThrough - genesis.initialHeight + 1n);
  const report: ReplayReport = {
    source: source.name,
    blocks,
    txs,
    seconds,
    initChainSeconds,
    mainThreadCpuMicrosPerTx: txs > 0 ? (cpu.user + cpu.system) / txs : 0,
    mainThreadCpuSeconds: (cpu.user + cpu.system) / 1e6,
    processCpuSeconds: (processCpu.user + processCpu.system) / 1e6,
    preverifyWaitSeconds: preverifyWaitMs / 1000,
    preverifiedTxs: preverifier?.preverifiedTxs ?? 0,
    verifyWorkers: pool?.size ?? 0,
    chainSeconds: firstTime === undefined || lastTime === undefined ? 0 : secondsBetween(firstTime, lastTime),
    blocksPerSecond: seconds > 0 ? blocks / seconds : 0,
    txsPerSecond: seconds > 0 ? txs / seconds : 0,
    commitsVerified,
    mismatches,
    lastHeight: String(replayedThrough),
    finalAppHash: appHash,
    storedAppHash: new Uint8Array(),
  };
  if (original !== undefined && !run.skipStateCheck && mismatches.length === 0)
    report.stateCheck = await diffStates(original, replayed, Number(replayedThrough), { allStores: true });
  return report;
}
