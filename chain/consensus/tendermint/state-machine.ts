// The Tendermint consensus state machine: Algorithm 1 of Buchman, Kwon and Milosevic, "The latest
// gossip on BFT consensus" (arXiv 1807.04938), with CometBFT's conventions (BlockIDs, signed
// proposals with pol_round, commit wait, vote timestamps for BFT time). Pure: `step` reads no clock,
// does no I/O and draws no randomness; the driver (tendermint-engine.ts) performs the effects.
// The state is owned by its caller and updated in place (vote sets are too large to copy per vote);
// the same inputs from the same state always give the same state and effects.
import {
  type BlockID,
  BlockIDFlag,
  type Commit,
  type CommitSig,
  type Timestamp,
  type Validator,
  type Vote,
} from "../../types/block.ts";
import { blockIdEquals, blockIdKey, emptyBlockId, isZeroBlockId } from "../../types/block-id.ts";
import { bytesEqual } from "../../types/bytes.ts";
import { GO_ZERO_TIME, timestampFromNanos, timestampToNanos } from "../../types/time.ts";
import { ValidatorSet } from "../../types/validator-set.ts";
import { type SignatureVerifier, verifyCommit } from "../../types/verify-commit.ts";
import { proposalSignBytes } from "../../types/vote.ts";
import { proposerForRound } from "./proposer.ts";
import {
  ConsensusHaltError,
  type Effect,
  type HeightParams,
  type Input,
  type Proposal,
  type ProposedBlock,
  Step,
  type TimeoutConfig,
} from "./types.ts";
import { HeightVoteSet, isOneThird, isTwoThirds, type VoteContext } from "./vote-set.ts";

/** Proposals are kept for the current round and this many rounds ahead (one per round: its proposer's). */
export const MAX_PROPOSAL_ROUNDS_AHEAD = 8;
/** CometBFT timeIota: a vote is timestamped at least 1 ms after the block it is for. */
const MIN_VOTE_TIME_INCREMENT_NS = 1_000_000n;
/** Rounds are int32 on the wire. */
const MAX_ROUND = 2 ** 31 - 2;

export interface MachineConfig {
  timeouts: TimeoutConfig;
  /** This validator's address; undefined for a node that only follows. */
  ownAddress?: Uint8Array;
  verifySignature: SignatureVerifier;
}

interface StoredProposal {
  proposal: Proposal;
  proposed: ProposedBlock;
  valid: boolean;
}

export interface ConsensusState {
  config: MachineConfig;
  params: HeightParams;
  validators: ValidatorSet;
  round: number;
  step: Step;
  lockedRound: number;
  lockedBlock: ProposedBlock | undefined;
  validRound: number;
  validBlock: ProposedBlock | undefined;
  /** By round: the first correctly signed proposal of that round's proposer. */
  proposals: Map<number, StoredProposal>;
  /** Blocks seen in proposals or catch-up commits, by BlockID key, with the driver's verdict. */
  blocks: Map<string, { proposed: ProposedBlock; valid: boolean }>;
  votes: HeightVoteSet;
  /** "for the first time" guards of paper lines 34, 36 and 47, by rule and round. */
  fired: Set<string>;
  decision: { proposed: ProposedBlock; commit: Commit } | undefined;
}

export function createState(config: MachineConfig, params: HeightParams): ConsensusState {
  const validators = new ValidatorSet(params.validators);
  return {
    config,
    params,
    validators,
    round: 0,
    step: Step.newHeight,
    lockedRound: -1,
    lockedBlock: undefined,
    validRound: -1,
    validBlock: undefined,
    proposals: new Map(),
    blocks: new Map(),
    votes: new HeightVoteSet(validators.size),
    fired: new Set(),
    decision: undefined,
  };
}

/** proposer(h, r). */
export function proposerOf(state: ConsensusState, round: number): Validator {
  return proposerForRound(state.validators.validators, state.params.proposerAddress, round);
}

export function isProposer(state: ConsensusState, round: number): boolean {
  const own = state.config.ownAddress;
  return own !== undefined && bytesEqual(proposerOf(state, round).address, own);
}

function isValidator(state: ConsensusState): boolean {
  const own = state.config.ownAddress;
  return own !== undefined && state.validators.hasAddress(own);
}

export function timeoutMs(
  config: TimeoutConfig,
  step: "propose" | "prevote" | "precommit",
  round: number,
): number {
  if (step === "propose") return config.proposeMs + config.proposeDeltaMs * round;
  if (step === "prevote") return config.prevoteMs + config.prevoteDeltaMs * round;
  return config.precommitMs + config.precommitDeltaMs * round;
}

/** True when a message would change nothing (a repeat, or outside what the machine keeps): the
 * driver skips it before decoding its block or logging it. */
export function isRedundant(
  state: ConsensusState,
  message: { kind: "proposal"; round: number } | { kind: "vote"; vote: Vote } | { kind: "commit" },
): boolean {
  if (state.decision !== undefined) return true;
  if (message.kind === "proposal")
    return (
      state.proposals.has(message.round) ||
      message.round < state.round ||
      message.round > state.round + MAX_PROPOSAL_ROUNDS_AHEAD
    );
  if (message.kind === "vote") {
    const votes = state.votes.get(message.vote.round);
    const set = message.vote.type === 1 ? votes?.prevotes : votes?.precommits;
    return set?.voteFor(message.vote.validatorIndex, message.vote.blockId) !== undefined;
  }
  return false;
}

/** One input in, the effects out. */
export function step(state: ConsensusState, input: Input): { state: ConsensusState; effects: Effect[] } {
  const effects: Effect[] = [];
  switch (input.kind) {
    case "start":
      if (state.step === Step.newHeight) startRound(state, 0, effects);
      break;
    case "proposal":
      receiveProposal(state, input.proposal, input.proposed, input.valid, effects);
      break;
    case "vote":
      receiveVote(state, input.vote, effects);
      break;
    case "timeout":
      receiveTimeout(state, input.timeout, effects);
      break;
    case "commit":
      receiveCommit(state, input.proposed, input.commit, input.valid, effects);
      break;
    case "blockApplied":
      return nextHeight(state, input.next);
  }
  applyRules(state, effects);
  return { state, effects };
}

function nextHeight(state: ConsensusState, next: HeightParams): { state: ConsensusState; effects: Effect[] } {
  if (state.decision === undefined || next.height !== state.params.height + 1n)
    throw new ConsensusHaltError(
      `assertion: blockApplied for height ${next.height} at height ${state.params.height}`,
    );
  const fresh = createState(state.config, next);
  return {
    state: fresh,
    effects: [
      {
        kind: "scheduleTimeout",
        timeout: { height: next.height, round: 0, step: "newHeight" },
        durationMs: state.config.timeouts.commitMs,
      },
    ],
  };
}

/** StartRound (paper lines 11-21). */
function startRound(state: ConsensusState, round: number, effects: Effect[]): void {
  state.round = round;
  state.step = Step.propose;
  const height = state.params.height;
  if (isProposer(state, round)) {
    // Line 15: re-propose the valid value if there is one, with its round as proof-of-lock round.
    if (state.validBlock !== undefined)
      effects.push({
        kind: "propose",
        height,
        round,
        polRound: state.validRound,
        proposed: state.validBlock,
      });
    else effects.push({ kind: "propose", height, round, polRound: -1 });
  }
  effects.push({
    kind: "scheduleTimeout",
    timeout: { height, round, step: "propose" },
    durationMs: timeoutMs(state.config.timeouts, "propose", round),
  });
}

function receiveProposal(
  state: ConsensusState,
  proposal: Proposal,
  proposed: ProposedBlock,
  valid: boolean,
  effects: Effect[],
): void {
  const reject = (reason: string): void => {
    effects.push({ kind: "rejected", reason: `proposal ${proposal.height}/${proposal.round}: ${reason}` });
  };
  if (proposal.height !== state.params.height) return;
  if (proposal.round < state.round || proposal.round > state.round + MAX_PROPOSAL_ROUNDS_AHEAD) return;
  if (state.proposals.has(proposal.round)) return;
  if (proposal.polRound < -1 || proposal.polRound >= proposal.round) {
    reject("pol_round out of range");
    return;
  }
  if (!blockIdEquals(proposal.blockId, proposed.blockId)) {
    reject("block does not match the proposal's BlockID");
    return;
  }
  const proposer = proposerOf(state, proposal.round);
  if (
    !state.config.verifySignature(
      proposal.signature,
      proposalSignBytes(state.params.chainId, proposal),
      proposer.pubKey,
    )
  ) {
    reject("not signed by the round's proposer");
    return;
  }
  state.proposals.set(proposal.round, { proposal, proposed, valid });
  rememberBlock(state, proposed, valid);
}

function rememberBlock(state: ConsensusState, proposed: ProposedBlock, valid: boolean): void {
  const key = blockIdKey(proposed.blockId);
  if (!state.blocks.has(key)) state.blocks.set(key, { proposed, valid });
}

function voteContext(state: ConsensusState): VoteContext {
  return {
    chainId: state.params.chainId,
    validators: state.validators.validators,
    totalPower: state.validators.totalVotingPower(),
    verifySignature: state.config.verifySignature,
  };
}

function receiveVote(state: ConsensusState, vote: Vote, effects: Effect[]): void {
  if (vote.height !== state.params.height) return;
  if (vote.type !== 1 && vote.type !== 2) return;
  if (vote.round < 0 || vote.round > MAX_ROUND) return;
  const roundVotes = state.votes.open(vote.round, state.round, vote.validatorIndex);
  if (roundVotes === undefined) return;
  const set = vote.type === 1 ? roundVotes.prevotes : roundVotes.precommits;
  const result = set.add(vote, voteContext(state));
  if (result.status === "invalid")
    effects.push({ kind: "rejected", reason: `vote ${vote.height}/${vote.round}: ${result.reason}` });
  else if (result.status === "conflict") {
    const validator = state.validators.validators[vote.validatorIndex]!;
    effects.push({
      kind: "evidence",
      voteA: result.existing,
      voteB: vote,
      validatorPower: validator.votingPower,
      totalVotingPower: state.validators.totalVotingPower(),
    });
  }
}

function receiveTimeout(
  state: ConsensusState,
  timeout: { height: bigint; round: number; step: string },
  effects: Effect[],
): void {
  if (timeout.height !== state.params.height || timeout.round !== state.round) return;
  if (timeout.step === "newHeight" && state.step === Step.newHeight) startRound(state, 0, effects);
  // Line 57: OnTimeoutPropose.
  else if (timeout.step === "propose" && state.step === Step.propose) {
    signVote(state, 1, emptyBlockId(), effects);
    state.step = Step.prevote;
  }
  // Line 61: OnTimeoutPrevote.
  else if (timeout.step === "prevote" && state.step === Step.prevote) {
    signVote(state, 2, emptyBlockId(), effects);
    state.step = Step.precommit;
  }
  // Line 65: OnTimeoutPrecommit.
  else if (
    timeout.step === "precommit" &&
    state.step !== Step.commit &&
    state.step !== Step.newHeight &&
    state.round < MAX_ROUND
  )
    startRound(state, state.round + 1, effects);
}

/** A commit for a block of this height from a peer ahead of us: 2/3+ precommits, checked here. */
function receiveCommit(
  state: ConsensusState,
  proposed: ProposedBlock,
  commit: Commit,
  valid: boolean,
  effects: Effect[],
): void {
  if (commit.height !== state.params.height || state.decision !== undefined) return;
  try {
    verifyCommit(state.params.chainId, state.validators, proposed.blockId, commit.height, commit, {
      verifySignature: state.config.verifySignature,
    });
  } catch (error) {
    effects.push({ kind: "rejected", reason: `commit ${commit.height}: ${(error as Error).message}` });
    return;
  }
  if (!valid)
    throw new ConsensusHaltError(
      `+2/3 of the validators committed block ${blockIdKey(proposed.blockId)} that this node finds invalid`,
    );
  decide(state, proposed, commit, effects);
}

function signVote(state: ConsensusState, type: 1 | 2, blockId: BlockID, effects: Effect[]): void {
  if (!isValidator(state)) return;
  const effect: Effect = { kind: "signVote", type, height: state.params.height, round: state.round, blockId };
  const reference = state.lockedBlock ?? state.proposals.get(state.round)?.proposed;
  if (reference !== undefined)
    effect.minTimestamp = timestampFromNanos(
      timestampToNanos(reference.block.header.time) + MIN_VOTE_TIME_INCREMENT_NS,
    );
  effects.push(effect);
}

/** Evaluates the "upon" rules (paper lines 22-56) until none fires. */
function applyRules(state: ConsensusState, effects: Effect[]): void {
  // Each pass either changes step/round or records a fired guard, so this terminates; the bound
  // turns a logic error into a halt instead of a hang.
  for (let pass = 0; pass < 64; pass++) {
    if (state.decision !== undefined || state.step === Step.newHeight) return;
    if (!applyOneRule(state, effects)) return;
  }
  throw new ConsensusHaltError("assertion: consensus rules did not settle");
}

function applyOneRule(state: ConsensusState, effects: Effect[]): boolean {
  const total = state.validators.totalVotingPower();
  const round = state.round;
  // Line 49: a proposal's block with 2/3+ precommits in any round decides.
  for (const [r, votes] of state.votes.rounds) {
    const majority = votes.precommits.twoThirdsMajority(total);
    if (majority === undefined || isZeroBlockId(majority)) continue;
    const known = state.blocks.get(blockIdKey(majority));
    if (known === undefined) continue; // waiting for the block (catch-up brings it)
    if (!known.valid)
      throw new ConsensusHaltError(
        `+2/3 precommitted block ${blockIdKey(majority)} that this node finds invalid`,
      );
    decide(state, known.proposed, makeCommit(state, r, majority), effects);
    return false;
  }
  // Line 55: f+1 of the power is in a higher round: skip to it.
  let skipTo = -1;
  for (const r of state.votes.rounds.keys())
    if (
      r > round &&
      r > skipTo &&
      isOneThird(state.votes.powerInRound(r, state.validators.validators), total)
    )
      skipTo = r;
  if (skipTo > round) {
    startRound(state, skipTo, effects);
    return true;
  }
  const current = state.votes.get(round);
  const proposal = state.proposals.get(round);
  if (state.step === Step.propose && proposal !== undefined) {
    const { polRound } = proposal.proposal;
    const id = proposal.proposed.blockId;
    const matchesLock = state.lockedBlock !== undefined && blockIdEquals(state.lockedBlock.blockId, id);
    if (polRound === -1) {
      // Line 22.
      signVote(
        state,
        1,
        proposal.valid && (state.lockedRound === -1 || matchesLock) ? id : emptyBlockId(),
        effects,
      );
      state.step = Step.prevote;
      return true;
    }
    const polVotes = state.votes.get(polRound);
    if (polVotes !== undefined && isTwoThirds(polVotes.prevotes.powerFor(id), total)) {
      // Line 28.
      signVote(
        state,
        1,
        proposal.valid && (state.lockedRound <= polRound || matchesLock) ? id : emptyBlockId(),
        effects,
      );
      state.step = Step.prevote;
      return true;
    }
  }
  if (current === undefined) return false;
  // Line 34.
  if (
    state.step === Step.prevote &&
    isTwoThirds(current.prevotes.anyPower(), total) &&
    fireOnce(state, `prevote-timeout:${round}`)
  ) {
    effects.push({
      kind: "scheduleTimeout",
      timeout: { height: state.params.height, round, step: "prevote" },
      durationMs: timeoutMs(state.config.timeouts, "prevote", round),
    });
    return true;
  }
  // Line 36.
  if (
    proposal?.valid &&
    (state.step === Step.prevote || state.step === Step.precommit) &&
    isTwoThirds(current.prevotes.powerFor(proposal.proposed.blockId), total) &&
    fireOnce(state, `polka:${round}`)
  ) {
    if (state.step === Step.prevote) {
      state.lockedBlock = proposal.proposed;
      state.lockedRound = round;
      signVote(state, 2, proposal.proposed.blockId, effects);
      state.step = Step.precommit;
    }
    state.validBlock = proposal.proposed;
    state.validRound = round;
    return true;
  }
  // Line 44.
  if (state.step === Step.prevote && isTwoThirds(current.prevotes.powerForNil(), total)) {
    signVote(state, 2, emptyBlockId(), effects);
    state.step = Step.precommit;
    return true;
  }
  // Line 47.
  if (isTwoThirds(current.precommits.anyPower(), total) && fireOnce(state, `precommit-timeout:${round}`)) {
    effects.push({
      kind: "scheduleTimeout",
      timeout: { height: state.params.height, round, step: "precommit" },
      durationMs: timeoutMs(state.config.timeouts, "precommit", round),
    });
    return true;
  }
  return false;
}

function fireOnce(state: ConsensusState, key: string): boolean {
  if (state.fired.has(key)) return false;
  state.fired.add(key);
  return true;
}

function decide(state: ConsensusState, proposed: ProposedBlock, commit: Commit, effects: Effect[]): void {
  state.decision = { proposed, commit };
  state.step = Step.commit;
  effects.push({ kind: "decide", proposed, commit });
}

/** VoteSet.MakeExtendedCommit: one CommitSig per validator in set order; votes for other blocks are absent. */
function makeCommit(state: ConsensusState, round: number, blockId: BlockID): Commit {
  const precommits = state.votes.get(round)!.precommits;
  const signatures: CommitSig[] = state.validators.validators.map((_validator, index) => {
    const forBlock = precommits.voteFor(index, blockId);
    if (forBlock !== undefined)
      return {
        blockIdFlag: BlockIDFlag.commit,
        validatorAddress: forBlock.validatorAddress,
        timestamp: forBlock.timestamp,
        signature: forBlock.signature,
      };
    const vote = precommits.votes[index];
    if (vote === undefined) return absentSig();
    if (isZeroBlockId(vote.blockId))
      return {
        blockIdFlag: BlockIDFlag.nil,
        validatorAddress: vote.validatorAddress,
        timestamp: vote.timestamp,
        signature: vote.signature,
      };
    if (!blockIdEquals(vote.blockId, blockId)) return absentSig();
    return {
      blockIdFlag: BlockIDFlag.commit,
      validatorAddress: vote.validatorAddress,
      timestamp: vote.timestamp,
      signature: vote.signature,
    };
  });
  return { height: state.params.height, round, blockId, signatures };
}

function absentSig(): CommitSig {
  return {
    blockIdFlag: BlockIDFlag.absent,
    validatorAddress: new Uint8Array(),
    timestamp: GO_ZERO_TIME,
    signature: new Uint8Array(),
  };
}

/** Commit.GetVote: the precommit behind a commit signature, e.g. to gossip a commit as votes. */
export function voteFromCommit(commit: Commit, index: number): Vote | undefined {
  const sig = commit.signatures[index];
  if (sig === undefined || sig.blockIdFlag === BlockIDFlag.absent) return undefined;
  return {
    type: 2,
    height: commit.height,
    round: commit.round,
    blockId: sig.blockIdFlag === BlockIDFlag.commit ? commit.blockId : emptyBlockId(),
    timestamp: sig.timestamp as Timestamp,
    validatorAddress: sig.validatorAddress,
    validatorIndex: index,
    signature: sig.signature,
  };
}
