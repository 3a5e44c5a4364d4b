// What a replay answers: its report (throughput, CPU, the first mismatch and the state comparison),
// and the typed error for a source that is unusable or lies.
import type { StateDiff } from "../audit/state-diff.ts";
import type { Timestamp } from "../types/block.ts";

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

export function secondsBetween(from: Timestamp, to: Timestamp): number {
  return Number(to.seconds - from.seconds) + (to.nanos - from.nanos) / 1e9;
}
