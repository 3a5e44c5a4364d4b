// Vote sets (CometBFT types/vote_set.go, consensus/types/height_vote_set.go): the prevotes or
// precommits of one height and round, tallied by BlockID, each signature checked once. A second,
// different vote of a validator for the same height/round/type is not counted: it is returned as a
// conflict so the machine can hand out DuplicateVoteEvidence.
import type { BlockID, Validator, Vote } from "../../types/block.ts";
import { blockIdKey, isZeroBlockId } from "../../types/block-id.ts";
import { bytesEqual } from "../../types/bytes.ts";
import type { SignatureVerifier } from "../../types/verify-commit.ts";
import { voteSignBytes } from "../../types/vote.ts";

/** consensus/types peerCatchupRounds: how many rounds ahead of ours one validator may open. */
export const MAX_CATCHUP_ROUNDS_PER_VALIDATOR = 2;
/** Distinct BlockIDs counted per validator in one vote set. An honest validator signs one; the paper
 * counts every message of an equivocator (each vote adds to its own BlockID's tally, which is what
 * lets honest nodes see a polka the equivocator's other half helped form); beyond this bound the
 * extra votes only feed evidence. */
export const MAX_BLOCK_IDS_PER_VALIDATOR = 3;
/** The key of nil votes in the tally. */
export const NIL_KEY = "nil";

export type AddVoteResult =
  | { status: "added" }
  | { status: "duplicate" }
  | { status: "conflict"; existing: Vote }
  | { status: "invalid"; reason: string };

export interface VoteContext {
  chainId: string;
  validators: readonly Validator[];
  totalPower: bigint;
  verifySignature: SignatureVerifier;
}

export function keyOfVote(blockId: BlockID): string {
  return isZeroBlockId(blockId) ? NIL_KEY : blockIdKey(blockId);
}

/** Power needed for "2f+1" / "+2/3": strictly more than 2/3 of the total. */
export function isTwoThirds(power: bigint, total: bigint): boolean {
  return power * 3n > total * 2n;
}

/** "f+1": strictly more than 1/3 of the total. */
export function isOneThird(power: bigint, total: bigint): boolean {
  return power * 3n > total;
}

export class VoteSet {
  readonly type: 1 | 2;
  readonly round: number;
  /** By validator index: the first valid vote of each validator. */
  readonly votes: (Vote | undefined)[];
  /** Every counted vote of a validator, by BlockID key (first vote included). */
  readonly #byValidator = new Map<number, Map<string, Vote>>();
  readonly #powerByKey = new Map<string, bigint>();
  readonly #blockIdByKey = new Map<string, BlockID>();
  #anyPower = 0n;

  constructor(type: 1 | 2, round: number, size: number) {
    this.type = type;
    this.round = round;
    this.votes = new Array(size).fill(undefined);
  }

  /** Checks the vote against the set (index, address, signature) and tallies it. */
  add(vote: Vote, context: VoteContext): AddVoteResult {
    const validator = context.validators[vote.validatorIndex];
    if (validator === undefined)
      return { status: "invalid", reason: `validator index ${vote.validatorIndex} out of range` };
    if (!bytesEqual(validator.address, vote.validatorAddress))
      return { status: "invalid", reason: "validator address does not match its index" };
    const key = keyOfVote(vote.blockId);
    const counted = this.#byValidator.get(vote.validatorIndex);
    // Same BlockID again (a repeat, or a re-signed timestamp): not an equivocation; keep the first.
    if (counted?.has(key)) return { status: "duplicate" };
    if (counted !== undefined && counted.size >= MAX_BLOCK_IDS_PER_VALIDATOR) return { status: "duplicate" };
    if (!context.verifySignature(vote.signature, voteSignBytes(context.chainId, vote), validator.pubKey))
      return { status: "invalid", reason: "wrong signature" };
    this.#powerByKey.set(key, (this.#powerByKey.get(key) ?? 0n) + validator.votingPower);
    this.#blockIdByKey.set(key, vote.blockId);
    const existing = this.votes[vote.validatorIndex];
    if (counted !== undefined && existing !== undefined) {
      counted.set(key, vote);
      return { status: "conflict", existing };
    }
    this.#byValidator.set(vote.validatorIndex, new Map([[key, vote]]));
    this.votes[vote.validatorIndex] = vote;
    this.#anyPower += validator.votingPower;
    return { status: "added" };
  }

  /** The validator's vote for `blockId`, if it cast one (equivocators may have several). */
  voteFor(validatorIndex: number, blockId: BlockID): Vote | undefined {
    return this.#byValidator.get(validatorIndex)?.get(keyOfVote(blockId));
  }

  powerFor(blockId: BlockID): bigint {
    return this.#powerByKey.get(keyOfVote(blockId)) ?? 0n;
  }

  powerForNil(): bigint {
    return this.#powerByKey.get(NIL_KEY) ?? 0n;
  }

  anyPower(): bigint {
    return this.#anyPower;
  }

  /** The BlockID (possibly nil) with more than 2/3 of the power, if any. */
  twoThirdsMajority(total: bigint): BlockID | undefined {
    for (const [key, power] of this.#powerByKey)
      if (isTwoThirds(power, total)) return this.#blockIdByKey.get(key);
    return undefined;
  }
}

export interface RoundVotes {
  prevotes: VoteSet;
  precommits: VoteSet;
}

/** All vote sets of one height, by round, with per-validator bounds on rounds opened ahead of us. */
export class HeightVoteSet {
  readonly rounds = new Map<number, RoundVotes>();
  readonly #catchupRounds = new Map<number, Set<number>>();
  readonly #size: number;

  constructor(size: number) {
    this.#size = size;
  }

  get(round: number): RoundVotes | undefined {
    return this.rounds.get(round);
  }

  /** The vote sets of `round`, created when `currentRound` allows it or the validator has catch-up budget. */
  open(round: number, currentRound: number, validatorIndex: number): RoundVotes | undefined {
    let votes = this.rounds.get(round);
    if (votes !== undefined) return votes;
    if (round > currentRound + 1) {
      let opened = this.#catchupRounds.get(validatorIndex);
      if (opened === undefined) this.#catchupRounds.set(validatorIndex, (opened = new Set()));
      if (!opened.has(round)) {
        if (opened.size >= MAX_CATCHUP_ROUNDS_PER_VALIDATOR) return undefined;
        opened.add(round);
      }
    }
    votes = { prevotes: new VoteSet(1, round, this.#size), precommits: new VoteSet(2, round, this.#size) };
    this.rounds.set(round, votes);
    return votes;
  }

  /** Power of the distinct validators with any vote in `round` (paper line 55's f+1 "messages"). */
  powerInRound(round: number, validators: readonly Validator[]): bigint {
    const votes = this.rounds.get(round);
    if (votes === undefined) return 0n;
    let power = 0n;
    validators.forEach((validator, index) => {
      if (votes.prevotes.votes[index] !== undefined || votes.precommits.votes[index] !== undefined)
        power += validator.votingPower;
    });
    return power;
  }
}
