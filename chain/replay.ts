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
//
// Here: the sources, the scratch state and the pool. The loop is replay/run.ts, the checks of each
// block replay/block-checks.ts, the H+2 validator sets replay/validator-sets.ts, read-ahead
// replay/block-feed.ts.

import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { loadGenesisFile } from "../genesis/genesis.ts";
import type { Application } from "./app/abci.ts";
import { BaseApplication } from "./app/application.ts";
import { localSource, type ReplaySource, rpcSource } from "./audit/replay-source.ts";
import { loadConfig } from "./config/config.ts";
import { CHAIN_STATE_KEY, decodeChainState } from "./consensus/chain-state.ts";
import { Secp256k1VerifyPool } from "./crypto/secp256k1-pool.ts";
import { modules } from "./node/application.ts";
import { ReplayError, type ReplayReport } from "./replay/report.ts";
import { runReplay } from "./replay/run.ts";
import type { CommitMultiStore } from "./store/commit-types.ts";
import { DB_OPTIONS } from "./store/db.ts";
import { openCommitMultiStore } from "./store/multistore.ts";

export { REPLAY_PREFETCH_BLOCKS, REPLAY_PREVERIFY_BLOCKS } from "./replay/block-feed.ts";
export { ReplayError, type ReplayMismatch, type ReplayReport } from "./replay/report.ts";

/** The pool replay uses by default: the cores the main thread leaves free. The main thread is the
 * bound (it executes every tx); one libsecp256k1 worker verifies ~13,000 signatures/s, several times
 * what the main thread executes, so more workers than free cores would only take its core. With a
 * single core, signatures are verified on the main thread (no hand-off to pay for). */
export function defaultReplayVerifyWorkers(): number {
  return availableParallelism() - 1;
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
      return await runReplay({
        source,
        genesis,
        last,
        app,
        replayed: store,
        original: options.original,
        skipStateCheck: options.skipStateCheck ?? false,
        pool,
      });
    } finally {
      await pool?.close();
    }
  } finally {
    await target.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
