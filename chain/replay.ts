// Re-executes every stored block from genesis into a fresh state and compares each app hash and
// results hash with the headers that committed to them: proof that the stored state is exactly what
// the blocks produce. The auditor command (`sensorchain replay`) and the crash tests use it.
//
// Blocks come from the node's own home (node stopped) or a remote node's RPC. Either way nothing
// is trusted: every header must hash to the block ID its commit signs, the commit must carry more
// than 2/3 of the power of the validator set of its height (verifyCommit, every signature checked),
// that set must hash to the header's validators_hash, and the sets must evolve exactly as the
// replayed application's validator updates say (genesis set, then updates of block h from h+2).
// On a mismatch replay stops (the state has diverged) and, reading from a home, names the stores
// and keys that differ from the original node's state at that version; at the end it compares the
// whole replayed state with the original's, store by store and key by key.

import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { type Genesis, loadGenesisFile } from "../genesis/genesis.ts";
import type { Application, ValidatorUpdate } from "./app/abci.ts";
import { BaseApplication } from "./app/application.ts";
import { txHashOf } from "./app/tx-hash.ts";
import { ReplayPreverifier } from "./audit/preverify.ts";
import { diffRemoteState } from "./audit/remote-diff.ts";
import { localSource, type ReplaySource, rpcSource } from "./audit/replay-source.ts";
import { diffStates, type StateDiff } from "./audit/state-diff.ts";
import { loadConfig } from "./config/config.ts";
import { decidedLastCommit } from "./consensus/block-executor.ts";
import { CHAIN_STATE_KEY, decodeChainState } from "./consensus/chain-state.ts";
import { misbehaviorOf } from "./consensus/evidence-pool.ts";
import { genesisInitChainRequest } from "./consensus/genesis-state.ts";
import { verifyEd25519 } from "./crypto/ed25519.ts";
import { bytesEqual, toHex } from "./crypto/hash.ts";
import { Secp256k1VerifyPool } from "./crypto/secp256k1-pool.ts";
import { modules } from "./node/application.ts";
import type { CommitMultiStore } from "./store/commit-types.ts";
import { DB_OPTIONS } from "./store/db.ts";
import { openCommitMultiStore } from "./store/multistore.ts";
import type { Block, Timestamp, Validator } from "./types/block.ts";
import { dataHash, evidenceHash, hashResults } from "./types/hashes.ts";
import { headerHash } from "./types/header.ts";
import { ValidatorSet, validatorAddress } from "./types/validator-set.ts";
import { verifyCommit } from "./types/verify-commit.ts";

/** Blocks fetched ahead of execution, so reading (disk or network) overlaps executing. */
export const REPLAY_PREFETCH_BLOCKS = 32;
/** Blocks whose tx signatures may be verified in the worker pool ahead of execution (ReplayPreverifier
 * hands them in a chunk at a time): enough to keep the workers busy while the main thread executes,
 * few enough that their verdicts (≤ 1,000 txs a block at the default block gas) stay well under the
 * app's cache (MAX_SIGNATURE_CACHE_ENTRIES = 50,000). */
export const REPLAY_PREVERIFY_BLOCKS = 8;

/** The pool replay uses by default: the cores the main thread leaves free. The main thread is the
 * bound (it executes every tx); one libsecp256k1 worker verifies ~13,000 signatures/s, several times
 * what the main thread executes, so more workers than free cores would only take its core. With a
 * single core, signatures are verified on the main thread (no hand-off to pay for). */
export function defaultReplayVerifyWorkers(): number {
  return availableParallelism() - 1;
}

export interface ReplayMismatch {
  height: string;
  what: "app_hash" | "last_results_hash" | "validators_hash" | "next_validators_hash";
  expected: string;
  actual: string;
  /** What differs between the original state and the replayed one at the version the mismatching
   * hash commits to (app_hash: height − 1): from the home's database, or over RPC from the remote
   * node's proven answers (chain/audit/remote-diff.ts). */
  diff?: StateDiff;
}

export interface ReplayReport {
  source: string;
  blocks: number;
  txs: number;
  /** Blocks only (reading, verifying, executing, committing): not initChain, not the final state
   * comparison. */
  seconds: number;
  /** InitChain of the genesis (all genesis accounts and records). */
  initChainSeconds: number;
  /** Main-thread CPU per tx while the blocks ran (process.threadCpuUsage: unlike wall time, barely
   * inflated by other processes' load); signature verification in the pool is not in it. */
  mainThreadCpuMicrosPerTx: number;
  /** The same main-thread CPU in all (per block: / blocks; chains of small blocks are bound by it). */
  mainThreadCpuSeconds: number;
  /** CPU of every thread of the process over the same span: main, verification pool, LevelDB, GC. */
  processCpuSeconds: number;
  /** Time execution waited for the pool's verdicts of the next block (the chunks of it the pool had
   * already started on). */
  preverifyWaitSeconds: number;
  /** Txs whose signatures the pool verified ahead of execution; finalizeBlock verified the others. */
  preverifiedTxs: number;
  /** Signature verification worker threads (0: all on the main thread). */
  verifyWorkers: number;
  /** The chain's own time for the replayed blocks: last header time − first header time, the initial
   * block excepted (its time is the genesis time); at 1 s blocks, how long the chain took to produce
   * them. Replay's speedup over the chain is chainSeconds / seconds. */
  chainSeconds: number;
  blocksPerSecond: number;
  txsPerSecond: number;
  /** Commits verified against the validator set of their height. */
  commitsVerified: number;
  mismatches: ReplayMismatch[];
  /** Last height replayed (less than the source's last height when replay stopped on a mismatch). */
  lastHeight: string;
  finalAppHash: Uint8Array;
  /** Reading from a home: the app hash the node recorded last; remote: the latest header's app hash
   * is checked as any other (empty here). */
  storedAppHash: Uint8Array;
  /** Reading from a home: the original state compared with the replayed state at the last height;
   * every store whose root or any key/value differs. */
  stateCheck?: StateDiff;
}

/** Refusals: the source is unusable or lies (a broken chain, an invalid commit). */
export class ReplayError extends Error {
  readonly code: "missing_block" | "invalid_block" | "invalid_commit" | "db_locked" | "no_blocks";
  readonly height: bigint | undefined;
  constructor(code: ReplayError["code"], message: string, height?: bigint, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.height = height;
  }
}

export interface ReplayOptions {
  /** Stop after this height (default: the source's last). */
  toHeight?: bigint;
  /** Signature verification worker threads (default defaultReplayVerifyWorkers(): the cores but
   * the main thread's; 0 = verify on the main thread inside finalizeBlock, as without a pool). */
  verifyWorkers?: number;
  /** Skip the final key-by-key comparison with the original state (home only). */
  skipStateCheck?: boolean;
}

/** Opens a home's data/chain.db for `doing` (replay, export); a running node holds its LevelDB lock,
 * which is a ReplayError (db_locked). */
export async function openStoppedHomeDb(
  home: string,
  doing: string,
): Promise<{ db: ClassicLevel<Uint8Array, Uint8Array>; location: string }> {
  const location = join(home, "data", "chain.db");
  const db = new ClassicLevel<Uint8Array, Uint8Array>(location, DB_OPTIONS);
  try {
    await db.open();
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === "LEVEL_LOCKED")
      throw new ReplayError("db_locked", `${location} is in use: stop the node before ${doing}`);
    throw error;
  }
  return { db, location };
}

/** Replays the blocks in a home's data/chain.db. The node must be stopped (LevelDB lock). */
export async function replayChain(input: { home: string } & ReplayOptions): Promise<ReplayReport> {
  const config = await loadConfig(input.home, {});
  const genesis = await loadGenesisFile(join(input.home, "config", "genesis.json"));
  const { db, location } = await openStoppedHomeDb(input.home, "replaying its home");
  try {
    const source = await localSource(db, genesis, location);
    const original = await openCommitMultiStore({
      db,
      storeNames: BaseApplication.storeNames(modules()),
    });
    const saved = await db.get(CHAIN_STATE_KEY);
    const report = await replay(source, { ...input, original, maxTxBytes: config.mempool.maxTxBytes });
    report.storedAppHash = saved === undefined ? new Uint8Array() : decodeChainState(saved).appHash;
    return report;
  } finally {
    await db.close();
  }
}

/** Replays a remote node's chain over RPC (block, commit, validators, genesis). */
export async function replayFromRpc(input: { url: string } & ReplayOptions): Promise<ReplayReport> {
  return replay(rpcSource(input.url), input);
}

interface Fetched {
  block: Block;
}

async function replay(
  source: ReplaySource,
  options: ReplayOptions & { original?: CommitMultiStore; maxTxBytes?: number },
): Promise<ReplayReport> {
  const genesis = await source.genesis();
  const available = await source.lastHeight();
  const last = options.toHeight !== undefined && options.toHeight < available ? options.toHeight : available;
  if (last < genesis.initialHeight)
    throw new ReplayError("no_blocks", `${source.name} has no block yet (last height ${available})`);
  const scratch = await mkdtemp(join(tmpdir(), "sensorchain-replay-"));
  const target = new ClassicLevel<Uint8Array, Uint8Array>(scratch, DB_OPTIONS);
  await target.open();
  try {
    const list = modules();
    // Archive (every version readable for the comparison) and no fsync: a scratch copy.
    const store = await openCommitMultiStore({
      db: target,
      storeNames: BaseApplication.storeNames(list),
      syncWrites: false,
    });
    const app: Application = new BaseApplication({
      store,
      modules: list,
      chainId: genesis.chainId,
      ...(options.maxTxBytes === undefined ? {} : { maxTxBytes: options.maxTxBytes }),
    });
    const workers = options.verifyWorkers ?? defaultReplayVerifyWorkers();
    const pool = workers > 0 ? new Secp256k1VerifyPool({ size: workers }) : undefined;
    try {
      return await run(
        source,
        genesis,
        last,
        app,
        store,
        options.original,
        options.skipStateCheck ?? false,
        pool,
      );
    } finally {
      await pool?.close();
    }
  } finally {
    await target.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

async function run(
  source: ReplaySource,
  genesis: Genesis,
  last: bigint,
  app: Application,
  replayed: CommitMultiStore,
  original: CommitMultiStore | undefined,
  skipStateCheck: boolean,
  pool: Secp256k1VerifyPool | undefined,
): Promise<ReplayReport> {
  const initStarted = performance.now();
  const init = await app.initChain(genesisInitChainRequest(genesis));
  const initChainSeconds = (performance.now() - initStarted) / 1000;
  const started = performance.now();
  const cpuStarted = process.threadCpuUsage();
  const processCpuStarted = process.cpuUsage();
  let appHash = init.appHash;
  // The application's view of the validator sets: genesis (or initChain's own) for the first two
  // heights, then each block's updates from two heights later (CometBFT's H+2 rule).
  const initial = init.validators.length > 0 ? init.validators : genesisInitChainRequest(genesis).validators;
  const expectedSets = new Map<bigint, ValidatorSet>();
  const first = setFromUpdates(new ValidatorSet([]), initial);
  expectedSets.set(genesis.initialHeight, first);
  expectedSets.set(genesis.initialHeight + 1n, first);

  const prefetched = new Map<bigint, Promise<Fetched>>();
  let nextToFetch = genesis.initialHeight;
  const fetch = (height: bigint): Promise<Fetched> => {
    while (nextToFetch <= last && nextToFetch < height + BigInt(REPLAY_PREFETCH_BLOCKS)) {
      const h = nextToFetch++;
      const promise = source.block(h).then((block) => {
        if (block === undefined)
          throw new ReplayError("missing_block", `block ${h} is missing from ${source.name}`, h);
        return { block };
      });
      promise.catch(() => {});
      prefetched.set(h, promise);
    }
    const found = prefetched.get(height);
    if (found === undefined)
      throw new ReplayError("missing_block", `block ${height} was not fetched`, height);
    prefetched.delete(height);
    return found;
  };

  // Signatures of this and the next blocks' txs, verified in the pool while the main thread executes;
  // the app takes the verdicts (bound to the exact tx, sign bytes and key) and verifies only the rest.
  const preverifier = pool === undefined ? undefined : new ReplayPreverifier(app, pool);
  let preverifyWaitMs = 0;
  let nextToPreverify = genesis.initialHeight;
  const preverifyAhead = (height: bigint, block: Block) => {
    if (preverifier === undefined) return;
    while (nextToPreverify <= last && nextToPreverify < height + BigInt(REPLAY_PREVERIFY_BLOCKS)) {
      const h = nextToPreverify++;
      const fetched = h === height ? Promise.resolve({ block }) : prefetched.get(h);
      if (fetched === undefined) continue; // not fetched yet: finalizeBlock verifies it itself
      fetched.then(({ block: ahead }) => preverifier.add(h, ahead.data.txs)).catch(() => {});
    }
  };

  const mismatches: ReplayMismatch[] = [];
  let txs = 0;
  let commitsVerified = 0;
  let signingSet: ValidatorSet | undefined;
  let lastSigningSet: ValidatorSet | undefined;
  let previousBlockId: Uint8Array | undefined;
  let previousNextValidatorsHash: Uint8Array | undefined;
  let replayedThrough = genesis.initialHeight - 1n;
  let firstTime: Timestamp | undefined;
  let lastTime: Timestamp | undefined;
  let current = await fetch(genesis.initialHeight);
  for (let height = genesis.initialHeight; height <= last; height++) {
    const { block } = current;
    preverifyAhead(height, block);
    const next = height < last ? await fetch(height + 1n) : undefined;
    const { header } = block;
    const fail = (message: string) => new ReplayError("invalid_block", `block ${height}: ${message}`, height);
    if (header.height !== height) throw fail(`header says height ${header.height}`);
    if (header.chainId !== genesis.chainId) throw fail(`header is for chain ${header.chainId}`);
    if (previousBlockId !== undefined && !bytesEqual(header.lastBlockId.hash, previousBlockId))
      throw fail("last_block_id is not the previous block's hash");
    // Through the tx-hash memo: finalizeBlock's decoding takes the same hashes from it.
    if (
      !bytesEqual(
        dataHash(block.data.txs, (tx) => txHashOf(tx).hash),
        header.dataHash,
      )
    )
      throw fail("txs do not hash to data_hash");
    if (!bytesEqual(evidenceHash(block.evidence), header.evidenceHash))
      throw fail("evidence does not hash to evidence_hash");
    if (
      previousNextValidatorsHash !== undefined &&
      !bytesEqual(header.validatorsHash, previousNextValidatorsHash)
    )
      throw fail("validators_hash is not the previous header's next_validators_hash");

    // The set that signs this height, from the source, checked against the header.
    if (signingSet === undefined || !bytesEqual(signingSet.hash(), header.validatorsHash)) {
      const validators = await source.validators(height);
      if (validators === undefined) throw fail(`no validator set for height ${height} in ${source.name}`);
      const set = new ValidatorSet(validators);
      if (!bytesEqual(set.hash(), header.validatorsHash))
        throw fail(`the validator set given for it hashes to ${toHex(set.hash())}, not validators_hash`);
      signingSet = set;
    }
    const expectedSet = expectedSets.get(height);
    if (expectedSet !== undefined && !bytesEqual(expectedSet.hash(), header.validatorsHash)) {
      mismatches.push({
        height: String(height),
        what: "validators_hash",
        expected: toHex(header.validatorsHash),
        actual: toHex(expectedSet.hash()),
      });
      break;
    }
    const commit = next?.block.lastCommit ?? (await source.commit(height));
    if (commit === undefined)
      throw new ReplayError("invalid_commit", `no commit for height ${height}`, height);
    if (!bytesEqual(headerHash(header), commit.blockId.hash))
      throw new ReplayError("invalid_commit", `block ${height}: the commit signs another block`, height);
    try {
      verifyCommit(genesis.chainId, signingSet, commit.blockId, height, commit, {
        verifySignature: verifyEd25519,
      });
    } catch (error) {
      throw new ReplayError(
        "invalid_commit",
        `block ${height}: commit does not verify against its validator set: ${(error as Error).message}`,
        height,
        { cause: error },
      );
    }
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
    if (
      next !== undefined &&
      !bytesEqual(next.block.header.lastResultsHash, hashResults(results.txResults))
    ) {
      mismatches.push({
        height: String(height),
        what: "last_results_hash",
        expected: toHex(next.block.header.lastResultsHash),
        actual: toHex(hashResults(results.txResults)),
      });
    }
    const following = expectedSets.get(height + 1n) ?? signingSet;
    expectedSets.set(height + 2n, setFromUpdates(following, results.validatorUpdates));
    expectedSets.delete(height);
    await app.commit({ extraOperations: [] });
    appHash = results.appHash;
    txs += block.data.txs.length;
    replayedThrough = height;
    // The initial block carries the genesis time, not the time it was produced.
    if (height > genesis.initialHeight) firstTime ??= header.time;
    lastTime = header.time;
    previousBlockId = commit.blockId.hash;
    previousNextValidatorsHash = header.nextValidatorsHash;
    lastSigningSet = signingSet;
    if (next !== undefined) current = next;
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
  if (original !== undefined && !skipStateCheck && mismatches.length === 0)
    report.stateCheck = await diffStates(original, replayed, Number(replayedThrough), { allStores: true });
  return report;
}

function secondsBetween(from: Timestamp, to: Timestamp): number {
  return Number(to.seconds - from.seconds) + (to.nanos - from.nanos) / 1e9;
}

/** Applies ABCI validator updates (power 0 removes) to a set. */
function setFromUpdates(set: ValidatorSet, updates: readonly ValidatorUpdate[]): ValidatorSet {
  if (updates.length === 0) return set;
  const byAddress = new Map<string, Validator>(set.validators.map((v) => [toHex(v.address), v]));
  for (const update of updates) {
    const address = validatorAddress(update.pubKey);
    if (update.power === 0n) byAddress.delete(toHex(address));
    else
      byAddress.set(toHex(address), {
        address,
        pubKey: update.pubKey,
        votingPower: update.power,
        proposerPriority: 0n,
      });
  }
  return new ValidatorSet([...byAddress.values()]);
}
