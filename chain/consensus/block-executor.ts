// Turns blocks into committed state, for every consensus engine (CometBFT `state/execution.go`):
// builds proposals from the mempool, validates and executes decided blocks, and commits the block,
// its commit, results, tx index and the next ChainState in the application's state batch — one
// atomic LevelDB write per block, so a crash never leaves a block without its state or vice versa.
import type { Application, ExecTxResult, FinalizeBlockResponse, Misbehavior } from "../app/abci.ts";
import { txHashOf } from "../app/tx-hash.ts";
import type { BlockStore } from "../blockstore/types.ts";
import { bytesEqual, toHex } from "../crypto/hash.ts";
import type { BatchOperation } from "../db-keyspace.ts";
import type { Mempool } from "../mempool/mempool.ts";
import { medianTime } from "../types/bft-time.ts";
import type { Block, BlockID, Commit, Header, Timestamp, Validator } from "../types/block.ts";
import { BlockIDFlag } from "../types/block.ts";
import { encodeBlock } from "../types/block-codec.ts";
import { DecodeError } from "../types/errors.ts";
import { dataHash, hashConsensusParams, hashEvidence, hashLastCommit, hashResults } from "../types/hashes.ts";
import { hashHeader } from "../types/header.ts";
import { makePartSet } from "../types/part-set.ts";
import { compareTimestamps } from "../types/time.ts";
import { hashValidatorSet, ValidatorSet } from "../types/validator-set.ts";
import { verifyCommit } from "../types/verify-commit.ts";
import type { Mutex } from "../util/mutex.ts";
import { CHAIN_STATE_KEY, type ChainState, encodeChainState } from "./chain-state.ts";
import { EvidenceError, type EvidenceSource, misbehaviorOf } from "./evidence-pool.ts";
import { verifyEd25519Cached } from "./signature-cache.ts";
import { EvidenceDecodeError } from "./tendermint/evidence.ts";
import { incrementProposerPriority } from "./tendermint/proposer.ts";
import { applyValidatorUpdates } from "./validator-updates.ts";

/** Proposed blocks of one height whose signatures are being pre-verified (one per round at most). */
const MAX_PREVERIFYING_BLOCKS = 16;

/** CometBFT block protocol version (v0.38). */
export const BLOCK_PROTOCOL_VERSION = 11n;

export interface CommittedBlock {
  block: Block;
  blockId: BlockID;
  results: FinalizeBlockResponse;
  state: ChainState;
  /** Milliseconds per phase (diagnosis): preverify, waiting for the mempool lock, finalize, commit.
   * The mempool recheck after it ends later (BlockExecutorOptions.onRechecked). */
  timings?: {
    preverifyMs: number;
    lockWaitMs: number;
    finalizeMs: number;
    commitMs: number;
  };
}

/** The mempool recheck after a block (diagnosis). */
export interface RecheckReport {
  height: bigint;
  recheckMs: number;
  /** Pending txs rechecked, and those that no longer passed. */
  txs: number;
  dropped: number;
}

export class BlockValidationError extends Error {
  readonly code = "invalid_block";
}

export interface BlockExecutorOptions {
  app: Application;
  blockStore: BlockStore;
  mempool: Mempool;
  /** Held from finalizeBlock until the mempool is rechecked; broadcastTx holds it too. */
  mempoolLock: Mutex;
  /** Called after each block is durably committed (RPC events, waiters). */
  onCommitted?: (committed: CommittedBlock) => void;
  /** Called when the mempool recheck after a block has ended. */
  onRechecked?: (report: RecheckReport) => void;
  /** Verifies a decided block's not yet verified tx signatures off the main thread and gives the
   * verdicts to the app, before finalizeBlock (txs gossiped to other validators, block sync). The
   * app verifies whatever has no verdict, so failing or skipping this only costs time. */
  preverify?: (txs: readonly Uint8Array[]) => Promise<void>;
  /** Evidence for proposals and its verification; without one, blocks carry no evidence. */
  evidence?: EvidenceSource;
  /** Most txs in a block this node proposes (config consensus.max_block_txs); unbounded if absent. */
  maxBlockTxs?: number;
}

export class BlockExecutor {
  readonly #app: Application;
  readonly #blockStore: BlockStore;
  readonly #mempool: Mempool;
  readonly #mempoolLock: Mutex;
  readonly #onCommitted: ((committed: CommittedBlock) => void) | undefined;
  readonly #onRechecked: ((report: RecheckReport) => void) | undefined;
  readonly #preverify: ((txs: readonly Uint8Array[]) => Promise<void>) | undefined;
  readonly #maxBlockTxs: number;
  readonly #evidence: EvidenceSource | undefined;
  /** Signature pre-verification per proposed block, started by verifyProposal, awaited by applyBlock. */
  readonly #preverifying = new Map<string, Promise<void>>();
  #recheckDone: Promise<void> = Promise.resolve();

  constructor(options: BlockExecutorOptions) {
    this.#app = options.app;
    this.#blockStore = options.blockStore;
    this.#mempool = options.mempool;
    this.#mempoolLock = options.mempoolLock;
    this.#onCommitted = options.onCommitted;
    this.#onRechecked = options.onRechecked;
    this.#preverify = options.preverify;
    this.#maxBlockTxs = options.maxBlockTxs ?? Number.POSITIVE_INFINITY;
    this.#evidence = options.evidence;
  }

  /** A proposal for state.lastBlockHeight + 1 with txs from the mempool, as the proposer makes it. */
  async createProposal(
    state: ChainState,
    input: { proposer: Uint8Array; lastCommit: Commit; time: Timestamp },
  ) {
    const height = state.lastBlockHeight + 1n;
    const maxBytes = state.consensusParams.block.maxBytes;
    const evidence = this.#evidence?.pending(state, state.consensusParams.evidence.maxBytes) ?? [];
    const evidenceBytes = evidence.reduce((sum, e) => sum + BigInt(e.length), 0n);
    // Leave room for the header, commit and evidence, as CometBFT's MaxDataBytes does roughly.
    const maxTxBytes = maxBytes > 0n ? maxBytes - 10_000n - evidenceBytes : 100n * 1024n * 1024n;
    // Reaped under the mempool lock, so after the previous block's recheck (which holds it and yields
    // to the event loop: it must have dropped what no longer passes) and after the txs queued on the
    // lock before this proposal: those that arrived while the previous block executed and rechecked,
    // which would otherwise wait a whole height for the next proposal (with paced heights the
    // proposal often comes right as the recheck ends). A prefix of the reap order keeps each sender's
    // txs in sequence order.
    // Queued on the lock twice: the second time behind the txs that queued on it while the first wait
    // lasted (mostly tx batches gossiped from the other validators during the previous block's
    // execution and recheck, ~0.1-0.6 s). Reaped after the first wait alone, those missed this
    // proposal although they were in the mempool moments later, and waited a whole height: in the
    // devnet every tx missed proposal was one that came by gossip (scripts/bench/devnet-breakdown.ts).
    // A bounded delay: only what queued during the first wait (checkTx ~0.1 ms a tx) runs first.
    const waitStarted = performance.now();
    await this.#mempoolLock.run(async () => {});
    const candidates = await this.#mempoolLock.run(async () =>
      this.#mempool.reap(Number(maxTxBytes), state.consensusParams.block.maxGas).slice(0, this.#maxBlockTxs),
    );
    const reapWaitMs = performance.now() - waitStarted;
    const { txs } = await this.#app.prepareProposal({
      txs: candidates,
      maxTxBytes,
      height,
      time: input.time,
      proposerAddress: input.proposer,
      nextValidatorsHash: hashValidatorSet(state.nextValidators),
      hash: new Uint8Array(),
      decidedLastCommit: decidedLastCommit(state.lastValidators, input.lastCommit),
      misbehavior: misbehaviorOf(evidence),
    });
    const header: Header = {
      version: { block: BLOCK_PROTOCOL_VERSION, app: state.consensusParams.version.app },
      chainId: state.chainId,
      height,
      time: input.time,
      lastBlockId: state.lastBlockId,
      lastCommitHash: hashLastCommit(input.lastCommit),
      dataHash: dataHashOf(txs),
      validatorsHash: hashValidatorSet(state.validators),
      nextValidatorsHash: hashValidatorSet(state.nextValidators),
      consensusHash: hashConsensusParams(state.consensusParams),
      appHash: state.appHash,
      lastResultsHash: state.lastResultsHash,
      evidenceHash: hashEvidence(evidence),
      proposerAddress: input.proposer,
    };
    const block: Block = { header, data: { txs }, evidence, lastCommit: input.lastCommit };
    return { block, ...this.blockIdOf(block), reapWaitMs };
  }

  blockIdOf(block: Block): { blockId: BlockID; blockBytes: Uint8Array } {
    const blockBytes = encodeBlock(block);
    const partSet = makePartSet(blockBytes);
    return { blockId: { hash: hashHeader(block.header), partSetHeader: partSet.header }, blockBytes };
  }

  /** Checks a proposed block's header against the state it must follow (CometBFT validateBlock). */
  validateBlock(state: ChainState, block: Block): void {
    const header = block.header;
    const fail = (what: string) => {
      throw new BlockValidationError(`invalid block ${header.height}: ${what}`);
    };
    if (header.chainId !== state.chainId) fail(`wrong chain id ${header.chainId}`);
    if (header.height !== state.lastBlockHeight + 1n) fail(`expected height ${state.lastBlockHeight + 1n}`);
    if (!bytesEqual(header.lastBlockId.hash, state.lastBlockId.hash)) fail("wrong last block id");
    if (!bytesEqual(header.appHash, state.appHash)) fail("wrong app hash");
    if (!bytesEqual(header.lastResultsHash, state.lastResultsHash)) fail("wrong last results hash");
    if (!bytesEqual(header.validatorsHash, hashValidatorSet(state.validators))) fail("wrong validators hash");
    if (!bytesEqual(header.nextValidatorsHash, hashValidatorSet(state.nextValidators)))
      fail("wrong next validators hash");
    if (!bytesEqual(header.consensusHash, hashConsensusParams(state.consensusParams)))
      fail("wrong consensus hash");
    if (!bytesEqual(header.dataHash, dataHashOf(block.data.txs))) fail("wrong data hash");
    if (!bytesEqual(header.lastCommitHash, hashLastCommit(block.lastCommit))) fail("wrong last commit hash");
    // Undecodable evidence makes the block invalid: a byzantine proposer must not halt its peers.
    let evidenceHash: Uint8Array | undefined;
    try {
      evidenceHash = hashEvidence(block.evidence);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      fail(`malformed evidence: ${error.message}`);
    }
    if (evidenceHash === undefined || !bytesEqual(header.evidenceHash, evidenceHash))
      fail("wrong evidence hash");
    if (!new ValidatorSet(state.validators).hasAddress(header.proposerAddress))
      fail("proposer is not a validator");
    // CometBFT validateBlock: the last commit is verified against the last set, and the block time
    // is the BFT time of that commit (genesis time at the initial height).
    if (header.height === state.initialHeight) {
      if (block.lastCommit.signatures.length !== 0) fail("initial block with a last commit");
      if (compareTimestamps(header.time, state.lastBlockTime) !== 0)
        fail("initial block time is not the genesis time");
      return;
    }
    const lastValidators = new ValidatorSet(state.lastValidators);
    try {
      verifyCommit(
        state.chainId,
        lastValidators,
        state.lastBlockId,
        state.lastBlockHeight,
        block.lastCommit,
        {
          verifySignature: verifyEd25519Cached,
        },
      );
    } catch (error) {
      fail(`invalid last commit: ${(error as Error).message}`);
    }
    if (compareTimestamps(header.time, medianTime(block.lastCommit, lastValidators)) !== 0)
      fail("block time is not the median time of the last commit");
  }

  /** valid(v) of the Tendermint paper: the header checks and the application's processProposal. */
  async verifyProposal(state: ChainState, block: Block, blockId: BlockID): Promise<boolean> {
    try {
      this.validateBlock(state, block);
    } catch (error) {
      if (error instanceof BlockValidationError) return false;
      throw error;
    }
    // In the worker pool while the votes of this round go on; applyBlock awaits it if decided.
    if (block.data.txs.length > 0)
      this.#preverifyOnce(block.header.height, blockId.hash, block.data.txs).catch(() => {});
    let misbehavior: Misbehavior[];
    try {
      await this.#evidence?.verifyBlockEvidence(state, block.evidence);
      misbehavior = misbehaviorOf(block.evidence);
    } catch (error) {
      if (error instanceof EvidenceError || error instanceof EvidenceDecodeError) return false;
      throw error;
    }
    const verdict = await this.#app.processProposal({
      txs: block.data.txs,
      height: block.header.height,
      time: block.header.time,
      proposerAddress: block.header.proposerAddress,
      nextValidatorsHash: block.header.nextValidatorsHash,
      hash: blockId.hash,
      decidedLastCommit: decidedLastCommit(state.lastValidators, block.lastCommit),
      misbehavior,
    });
    return verdict === "accept";
  }

  /** Executes a decided block and commits it with `seenCommit` atomically; returns the next state. */
  async applyBlock(
    state: ChainState,
    block: Block,
    blockId: BlockID,
    blockSize: number,
    seenCommit: Commit,
  ): Promise<ChainState> {
    this.validateBlock(state, block);
    const t0 = performance.now();
    // Outside the mempool lock, so ingress keeps feeding checkTx while the pool verifies; usually
    // started already when the proposal was verified.
    if (block.data.txs.length > 0)
      await this.#preverifyOnce(block.header.height, blockId.hash, block.data.txs);
    this.#preverifying.clear();
    // The previous block's recheck (it holds the mempool lock; its failure halts the node here).
    await this.#recheckDone;
    const t1 = performance.now();
    let lockWaitMs = 0;
    let executed!: (committed: CommittedBlock) => void;
    const committedPromise = new Promise<CommittedBlock>((resolve) => {
      executed = resolve;
    });
    // Recheck runs in the same hold of the mempool lock (so no checkTx sees a half-reset check
    // state) but consensus does not wait for it: the next height starts while the mempool rechecks.
    const run = this.#mempoolLock.run(async () => {
      lockWaitMs = performance.now() - t1;
      const committed = await this.#execute(state, block, blockId, blockSize, seenCommit);
      executed(committed);
      const t2 = performance.now();
      const txs = this.#mempool.size;
      const dropped = await this.#mempool.recheck(async (tx) => this.#app.checkTx({ tx, type: "recheck" }));
      this.#onRechecked?.({ height: block.header.height, recheckMs: performance.now() - t2, txs, dropped });
    });
    this.#recheckDone = run;
    const committed = await Promise.race([committedPromise, run.then(() => committedPromise)]);
    committed.timings = { ...committed.timings!, preverifyMs: t1 - t0, lockWaitMs };
    this.#onCommitted?.(committed);
    return committed.state;
  }

  /** Starts (once per block) the worker-pool verification of a block's tx signatures whose verdicts
   * the app does not have yet: txs already checked into the local mempool are skipped. */
  #preverifyOnce(height: bigint, hash: Uint8Array, txs: readonly Uint8Array[]): Promise<void> {
    if (this.#preverify === undefined) return Promise.resolve();
    const key = `${height}:${toHex(hash)}`;
    let running = this.#preverifying.get(key);
    if (running === undefined) {
      if (this.#preverifying.size >= MAX_PREVERIFYING_BLOCKS) this.#preverifying.clear();
      running = this.#preverify(txs);
      this.#preverifying.set(key, running);
    }
    return running;
  }

  async #execute(
    state: ChainState,
    block: Block,
    blockId: BlockID,
    blockSize: number,
    seenCommit: Commit,
  ): Promise<CommittedBlock> {
    const t0 = performance.now();
    const results = await this.#app.finalizeBlock({
      txs: block.data.txs,
      height: block.header.height,
      time: block.header.time,
      proposerAddress: block.header.proposerAddress,
      nextValidatorsHash: block.header.nextValidatorsHash,
      hash: blockId.hash,
      decidedLastCommit: decidedLastCommit(state.lastValidators, block.lastCommit),
      // Verified by 2/3+ of the validators before they precommitted (verifyProposal).
      misbehavior: misbehaviorOf(block.evidence),
    });
    if (results.txResults.length !== block.data.txs.length) {
      throw new Error(`assertion: ${results.txResults.length} results for ${block.data.txs.length} txs`);
    }
    // CometBFT updateState: updates at H change the set that signs H+2 (a copy of the next set with
    // the change set applied), then the next set's proposer priorities advance once.
    const nextSchedule = incrementProposerPriority(
      applyValidatorUpdates(state.nextValidators, results.validatorUpdates ?? []),
      1,
    );
    const nextState: ChainState = {
      ...state,
      lastBlockHeight: block.header.height,
      lastBlockId: blockId,
      lastBlockTime: block.header.time,
      lastValidators: state.validators,
      validators: state.nextValidators,
      ...proposerFields(state.nextValidatorsProposer, nextSchedule.proposer.address),
      nextValidators: nextSchedule.validators,
      consensusParams: results.consensusParamUpdates ?? state.consensusParams,
      lastResultsHash: hashResults(results.txResults),
      appHash: results.appHash,
    };
    const operations: BatchOperation[] = [
      ...this.#blockStore.saveBlockOperations({
        block,
        blockId,
        blockSize,
        seenCommit,
        results,
        validators: state.validators,
      }),
      { type: "put", key: CHAIN_STATE_KEY, value: encodeChainState(nextState) },
      ...(this.#evidence?.commitOperations(block.evidence, block.header.height) ?? []),
    ];
    const t1 = performance.now();
    await this.#app.commit({ extraOperations: operations });
    const t2 = performance.now();
    this.#blockStore.markCommitted(block.header.height);
    this.#evidence?.committed(block.evidence, nextState);
    this.#mempool.removeCommitted(block.data.txs);
    const timings = { preverifyMs: 0, lockWaitMs: 0, finalizeMs: t1 - t0, commitMs: t2 - t1 };
    return { block, blockId, results, state: nextState, timings };
  }
}

/** Data hashes by txs array, with the txs they were computed from: the proposer's validateBlock
 * (applyBlock, and verifyProposal first under the engine) recomputed the merkle root of the same
 * array createProposal had just hashed. Weak: an entry lives as long as the block's txs array. */
const dataHashes = new WeakMap<readonly Uint8Array[], { txs: readonly Uint8Array[]; hash: Uint8Array }>();

/** Data.Hash through the tx hashes ingress already computed (txHashOf), once per txs array; the
 * array's elements are compared so a changed array is hashed again. */
function dataHashOf(txs: readonly Uint8Array[]): Uint8Array {
  const known = dataHashes.get(txs);
  if (known !== undefined && known.txs.length === txs.length && known.txs.every((tx, i) => tx === txs[i]))
    return known.hash;
  const hash = dataHash(txs, (tx) => txHashOf(tx).hash);
  dataHashes.set(txs, { txs: [...txs], hash });
  return hash;
}

/** FinalizeBlock's decided_last_commit: every validator of the previous height with its flag. */
export function decidedLastCommit(lastValidators: readonly Validator[], lastCommit: Commit) {
  return {
    round: lastCommit.round,
    votes: lastValidators.map((validator) => {
      const sig = lastCommit.signatures.find((s) => bytesEqual(s.validatorAddress, validator.address));
      return {
        validatorAddress: validator.address,
        power: validator.votingPower,
        blockIdFlag: sig?.blockIdFlag ?? BlockIDFlag.absent,
      };
    }),
  };
}

function proposerFields(validatorsProposer: Uint8Array | undefined, nextValidatorsProposer: Uint8Array) {
  return validatorsProposer === undefined
    ? { nextValidatorsProposer }
    : { validatorsProposer, nextValidatorsProposer };
}

export function describeTxResult(result: ExecTxResult): string {
  return result.code === 0 ? "ok" : `code ${result.code} (${result.codespace}): ${result.log}`;
}

export function blockIdHex(blockId: BlockID): string {
  return toHex(blockId.hash).toUpperCase();
}
