// Single-validator consensus: this node proposes and signs every block at a fixed interval
// (CometBFT timeout_commit). It is the degenerate case of Tendermint with one validator holding all
// the power: its own precommit is the 2/3+ commit. The BFT engine replaces it, not the executor.
import type { Ed25519Signer } from "../crypto/ed25519.ts";
import { bytesEqual } from "../crypto/hash.ts";
import { type BlockID, BlockIDFlag, type Commit, SignedMsgType, type Timestamp } from "../types/block.ts";
import { compareTimestamps, timestampFromNanos, timestampToNanos } from "../types/time.ts";
import { voteSignBytes } from "../types/vote.ts";
import type { BlockExecutor } from "./block-executor.ts";
import type { ChainState } from "./chain-state.ts";
import type { Clock, ConsensusEngine } from "./engine.ts";

/** CometBFT gives every vote a timestamp at least 1 ms after its block's time (BFT time monotonicity). */
const MIN_TIME_INCREMENT_NS = 1_000_000n;

export interface SoloEngineOptions {
  executor: BlockExecutor;
  signer: Ed25519Signer;
  clock: Clock;
  /** Pause between committing a block and proposing the next one. */
  blockIntervalMs: number;
  state: ChainState;
  /** The commit of the last committed block (its seen commit), or an empty commit at genesis. */
  lastCommit: Commit;
  onError: (error: unknown) => void;
}

export class SoloEngine implements ConsensusEngine {
  readonly #options: SoloEngineOptions;
  #state: ChainState;
  #lastCommit: Commit;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(options: SoloEngineOptions) {
    this.#options = options;
    this.#state = options.state;
    this.#lastCommit = options.lastCommit;
    const validators = options.state.validators;
    if (validators.length !== 1 || !bytesEqual(validators[0]!.pubKey, options.signer.publicKey)) {
      throw new Error(
        "single-validator mode needs exactly one validator in the set, and it must be this node's priv_validator_key",
      );
    }
  }

  get state(): ChainState {
    return this.#state;
  }

  async start(): Promise<void> {
    this.#running = true;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#inFlight;
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      const startedMs = performance.now();
      // The interval runs from the block's decision (its signature, at the start), as CometBFT's
      // timeout_commit runs from CommitTime: execution eats into the wait instead of adding to it.
      this.#inFlight = this.#produceBlock().then(
        () => this.#schedule(Math.max(0, this.#options.blockIntervalMs - (performance.now() - startedMs))),
        (error: unknown) => {
          this.#running = false;
          this.#options.onError(error);
        },
      );
    }, delayMs);
  }

  async #produceBlock(): Promise<void> {
    const state = this.#state;
    const { executor, signer, clock } = this.#options;
    const height = state.lastBlockHeight + 1n;
    const time = height === state.initialHeight ? state.lastBlockTime : this.#medianTime();
    const { block, blockId, blockBytes } = await executor.createProposal(state, {
      proposer: signer.address,
      lastCommit: this.#lastCommit,
      time,
    });
    const voteTime = later(clock.now(), block.header.time);
    const seenCommit = singleValidatorCommit(state.chainId, signer, height, blockId, voteTime);
    this.#state = await executor.applyBlock(state, block, blockId, blockBytes.length, seenCommit);
    this.#lastCommit = seenCommit;
  }

  /** BFT time: the power-weighted median of the last commit's timestamps; with one validator, its own. */
  #medianTime(): Timestamp {
    const signature = this.#lastCommit.signatures.find((s) => s.blockIdFlag === BlockIDFlag.commit);
    if (signature === undefined) throw new Error("assertion: the last commit has no signature");
    return signature.timestamp;
  }
}

/** The commit of a one-validator chain: its own precommit for `blockId`, signed at `timestamp`
 * (the solo producer, and the tx benchmark, which drives the block executor the same way). */
export function singleValidatorCommit(
  chainId: string,
  signer: Ed25519Signer,
  height: bigint,
  blockId: BlockID,
  timestamp: Timestamp,
): Commit {
  const signature = signer.sign(
    voteSignBytes(chainId, {
      type: SignedMsgType.precommit,
      height,
      round: 0,
      blockId,
      timestamp,
      validatorAddress: signer.address,
      validatorIndex: 0,
      signature: new Uint8Array(),
    }),
  );
  return {
    height,
    round: 0,
    blockId,
    signatures: [{ blockIdFlag: BlockIDFlag.commit, validatorAddress: signer.address, timestamp, signature }],
  };
}

/** The later of `now` and `after` + 1 ms. */
function later(now: Timestamp, after: Timestamp): Timestamp {
  const minimum = timestampFromNanos(timestampToNanos(after) + MIN_TIME_INCREMENT_NS);
  return compareTimestamps(now, minimum) >= 0 ? now : minimum;
}
