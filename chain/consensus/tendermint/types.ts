// Inputs, effects and configuration of the pure Tendermint state machine (state-machine.ts).
// Names follow Buchman, Kwon and Milosevic, "The latest gossip on BFT consensus" (arXiv 1807.04938),
// Algorithm 1, and CometBFT's consensus/state.go where the paper leaves a convention open.
import type { Block, BlockID, Commit, Timestamp, Validator, Vote } from "../../types/block.ts";

/** Round timeouts (CometBFT config.ConsensusConfig): each grows by its delta every round (paper §IV). */
export interface TimeoutConfig {
  proposeMs: number;
  proposeDeltaMs: number;
  prevoteMs: number;
  prevoteDeltaMs: number;
  precommitMs: number;
  precommitDeltaMs: number;
  /** Pause after a decision before round 0 of the next height, to collect late precommits. */
  commitMs: number;
}

/** CometBFT's defaults (config/config.go DefaultConsensusConfig). */
export const DEFAULT_TIMEOUTS: TimeoutConfig = Object.freeze({
  proposeMs: 3000,
  proposeDeltaMs: 500,
  prevoteMs: 1000,
  prevoteDeltaMs: 500,
  precommitMs: 1000,
  precommitDeltaMs: 500,
  commitMs: 1000,
});

/** A signed tendermint.types.Proposal (type is always SignedMsgType.proposal). pol_round -1 = none. */
export interface Proposal {
  height: bigint;
  round: number;
  polRound: number;
  blockId: BlockID;
  timestamp: Timestamp;
  signature: Uint8Array;
}

export const Step = { newHeight: 0, propose: 1, prevote: 2, precommit: 3, commit: 4 } as const;
export type Step = (typeof Step)[keyof typeof Step];

export type TimeoutStep = "newHeight" | "propose" | "prevote" | "precommit";

export interface Timeout {
  height: bigint;
  round: number;
  step: TimeoutStep;
}

/** A block the driver has checked against its proposal (BlockID = header hash + part set header). */
export interface ProposedBlock {
  block: Block;
  blockId: BlockID;
  /** The block's proto bytes (what the BlockID's part set header covers). */
  blockBytes: Uint8Array;
}

/** Everything the machine needs to know about the height it decides (from the ChainState). */
export interface HeightParams {
  chainId: string;
  height: bigint;
  initialHeight: bigint;
  /** Signs this height, in set order, with proposer priorities. */
  validators: Validator[];
  /** Round-0 proposer (CometBFT ValidatorSet.Proposer); highest priority if unknown. */
  proposerAddress?: Uint8Array;
  /** Signed the previous height: its late precommits are tracked for LastCommit. */
  lastValidators: Validator[];
  /** The commit of height - 1 (empty at the initial height): the next block's last_commit. */
  lastCommit: Commit;
}

export type Input =
  /** Seen first after creating the state for a height (fresh start or restart). */
  | { kind: "start" }
  /** A proposal with its full block. `valid` is the driver's verdict (validateBlock + processProposal). */
  | { kind: "proposal"; proposal: Proposal; proposed: ProposedBlock; valid: boolean }
  | { kind: "vote"; vote: Vote }
  | { kind: "timeout"; timeout: Timeout }
  /** A decided block with a commit for it (catch-up from a peer that is ahead). */
  | { kind: "commit"; proposed: ProposedBlock; commit: Commit; valid: boolean }
  /** The decided block is committed; the machine moves to the next height. */
  | { kind: "blockApplied"; next: HeightParams };

export type Effect =
  /** Sign and broadcast a proposal. Without `proposed`, the driver builds a block from the mempool. */
  | { kind: "propose"; height: bigint; round: number; polRound: number; proposed?: ProposedBlock }
  /** Sign a prevote/precommit (timestamp ≥ minTimestamp), persist it, broadcast it, feed it back. */
  | {
      kind: "signVote";
      type: 1 | 2;
      height: bigint;
      round: number;
      blockId: BlockID;
      minTimestamp?: Timestamp;
    }
  | { kind: "scheduleTimeout"; timeout: Timeout; durationMs: number }
  /** Decided (paper line 49): apply and commit the block, then feed back blockApplied. */
  | { kind: "decide"; proposed: ProposedBlock; commit: Commit }
  /** Two votes of one validator for one height/round/type with different BlockIDs. */
  | { kind: "evidence"; voteA: Vote; voteB: Vote; validatorPower: bigint; totalVotingPower: bigint }
  /** A message rejected by the machine (bad signature, unknown validator, ...), for metrics/peer scoring. */
  | { kind: "rejected"; reason: string };

/** A broken invariant: halt instead of signing something wrong (style rule 6). */
export class ConsensusHaltError extends Error {
  readonly code = "consensus_halt";
}
