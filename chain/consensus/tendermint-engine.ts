// The driver of the Tendermint state machine (CometBFT consensus/state.go receiveRoutine): one loop
// takes inputs (network messages, timeouts, its own signed messages) one at a time, writes each to
// the WAL before the pure `step` sees it, and performs the effects: signing through the double-sign
// guard (fsynced to the WAL before broadcast), timers, the transport, and committing decided blocks
// through the BlockExecutor. Time comes from the injected Clock and TimerScheduler, the network from
// the injected ConsensusTransport, so the deterministic simulation runs this same code.
import type { BlockStore } from "../blockstore/types.ts";
import { bytesEqual } from "../crypto/hash.ts";
import { medianTime } from "../types/bft-time.ts";
import type { Block, Commit, Timestamp, Vote } from "../types/block.ts";
import { encodeBlock } from "../types/block-codec.ts";
import { compareTimestamps } from "../types/time.ts";
import { ValidatorSet } from "../types/validator-set.ts";
import { voteSignBytes } from "../types/vote.ts";
import type { BlockExecutor } from "./block-executor.ts";
import { CatchupReplies } from "./catchup-replies.ts";
import type { ChainState } from "./chain-state.ts";
import { type Clock, type ConsensusEngine, clockMs } from "./engine.ts";
import type { ConsensusTransport, EngineLogger, PeerId, TimerScheduler } from "./engine-io.ts";
import { repeatedMessages } from "./gossip-repeat.ts";
import { NextHeightBuffer } from "./next-height-buffer.ts";
import { DoubleSignError, type PrivValidator } from "./privval.ts";
import { ProposalVerdicts, proposedFromBytes, rememberProposedBlock } from "./proposal-verdicts.ts";
import { rememberOwnSignature, verifyEd25519Cached } from "./signature-cache.ts";
import { type DuplicateVoteEvidence, makeDuplicateVoteEvidence } from "./tendermint/evidence.ts";
import {
  type ConsensusMessage,
  decodeWalInput,
  encodeWalInput,
  heightOf,
  type WalInput,
} from "./tendermint/messages.ts";
import {
  type ConsensusState,
  createState,
  isProposer,
  isRedundant,
  step,
} from "./tendermint/state-machine.ts";
import {
  DEFAULT_TIMEOUTS,
  type Effect,
  type HeightParams,
  type Input,
  type ProposedBlock,
  Step,
  type TimeoutConfig,
} from "./tendermint/types.ts";
import { inputsAfterEndHeight, Wal, type WalStorage } from "./wal.ts";

// The engine's outside world lives in engine-io.ts; re-exported for the node and the simulation.
export type { ConsensusTransport, EngineLogger, PeerId, TimerScheduler } from "./engine-io.ts";
export { realTimers } from "./engine-io.ts";

/** How often own and current-round messages are re-sent: lost messages are repaired by repetition. */
export const DEFAULT_GOSSIP_INTERVAL_MS = 1000;
/** Queued inputs beyond this are dropped (a flood cannot grow memory; gossip repeats what matters). */
export const MAX_QUEUED_INPUTS = 10_000;
/** Evidence held until its height commits: one per validator, round and vote type at most. */
const MAX_PENDING_EVIDENCE = 1_000;
/** Upper bound of the extra propose timeout learned from heights that needed more rounds, ms: enough
 * for a loaded 2-core devnet, small enough that a crashed proposer costs few seconds more. */
export const MAX_PROPOSE_BACKOFF_MS = 5_000;

export interface TendermintEngineOptions {
  executor: BlockExecutor;
  blockStore: Pick<BlockStore, "loadBlock" | "loadCommit">;
  /** Undefined for a node that follows without signing. */
  privValidator?: PrivValidator;
  transport: ConsensusTransport;
  walStorage: WalStorage;
  clock: Clock;
  timers: TimerScheduler;
  timeouts?: TimeoutConfig;
  /** When above 0, heights are paced: round 0 of the next height starts this long after round 0 of
   * the decided one, or timeouts.commitMs after the decision if that is later (config
   * consensus.block_interval). 0 or absent: always commitMs after the decision (CometBFT). */
  blockIntervalMs?: number;
  gossipIntervalMs?: number;
  state: ChainState;
  /** The commit of state.lastBlockHeight (empty at genesis). */
  lastCommit: Commit;
  logger: EngineLogger;
  onError: (error: unknown) => void;
  /** Called with each piece of evidence once the block of its height is committed (its time known). */
  onEvidence?: (evidence: DuplicateVoteEvidence) => void;
  /** Called for every message the machine rejects (bad signature, ...): peer scoring, metrics. */
  onRejected?: (reason: string) => void;
  /** Called when a height is decided, before its block is executed (the node publishes its pending
   * tx batch then, so the next proposer holds those txs when it reaps). */
  onDecided?: (height: bigint) => void;
  /** Called NEXT_HEIGHT_LEAD_MS before the next height's round 0 starts (at once when the wait is
   * shorter): the node publishes what it admitted since the decision, so that those txs reach the
   * next proposer before it reaps instead of a height later. */
  beforeNextHeight?: () => void;
}

/** How long before the next height's round 0 beforeNextHeight runs, ms: time for a tx batch to
 * reach the proposer, be pre-verified and pass its checkTx turn on a loaded 2-core devnet. */
export const NEXT_HEIGHT_LEAD_MS = 200;

type QueueItem = { input: Input; wal: WalInput | undefined; from?: PeerId };

export class TendermintEngine implements ConsensusEngine {
  readonly #o: TendermintEngineOptions;
  readonly #timeouts: TimeoutConfig;
  #chainState: ChainState;
  #machine!: ConsensusState;
  #wal!: Wal;
  #queue: QueueItem[] = [];
  #running = false;
  #stopped = false;
  #loop: Promise<void> = Promise.resolve();
  #timers = new Set<unknown>();
  #gossipTimer: unknown;
  readonly #verdicts: ProposalVerdicts;
  readonly #catchup: CatchupReplies;
  #ownMessages: ConsensusMessage[] = [];
  /** The rounds whose proposals were held at the last gossip repetition (gossip-repeat.ts). */
  #heldAtLastTick: { height: bigint; rounds: Set<number> } | undefined;
  #pendingEvidence: Omit<DuplicateVoteEvidence, "timestamp">[] = [];
  /** Messages of height + 1 received early, received again after the decision. */
  readonly #nextHeight = new NextHeightBuffer();
  /** Added to timeout_propose of round 0: grows by proposeDelta per extra round a height needed (the
   * proposals come later than the timeout allows: slow execution, gossip under load), shrinks by
   * proposeDelta per height decided in round 0. Per-round growth alone restarts at 3 s every height. */
  #proposeBackoffMs = 0;
  /** During WAL replay: sign effects not yet matched by a logged own message. */
  #replaying = false;
  #pendingSigns: Effect[] = [];
  #replayTimeouts: Effect[] = [];
  /** When this height's steps happened (clock ms), for the "height timeline" debug line at its
   * decision: where the time between two blocks goes. */
  #marks = newMarks(undefined);

  constructor(options: TendermintEngineOptions) {
    this.#o = options;
    this.#timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    this.#chainState = options.state;
    this.#verdicts = new ProposalVerdicts(options.executor, options.logger);
    this.#catchup = new CatchupReplies({
      blockStore: options.blockStore,
      transport: options.transport,
      clock: options.clock,
      intervalMs: options.gossipIntervalMs ?? DEFAULT_GOSSIP_INTERVAL_MS,
      logger: options.logger,
      running: () => this.#running,
    });
  }

  get state(): ChainState {
    return this.#chainState;
  }

  get height(): bigint {
    return this.#machine.params.height;
  }

  get round(): number {
    return this.#machine.round;
  }

  async start(): Promise<void> {
    const { wal, records } = await Wal.open(this.#o.walStorage, this.#o.logger);
    this.#wal = wal;
    this.#machine = createState(this.#machineConfig(), heightParams(this.#chainState, this.#o.lastCommit));
    const inputs = inputsAfterEndHeight(records, this.#chainState.lastBlockHeight);
    if (inputs === undefined) await this.#wal.writeEndHeight(this.#chainState.lastBlockHeight);
    else await this.#replay(inputs);
    this.#o.transport.onMessage((message, from) => this.#receive(message, from));
    this.#running = true;
    this.#push({ input: { kind: "start" }, wal: { kind: "start" } });
    this.#scheduleGossip();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#running = false;
    for (const handle of this.#timers) this.#o.timers.clearTimer(handle);
    this.#timers.clear();
    if (this.#gossipTimer !== undefined) this.#o.timers.clearTimer(this.#gossipTimer);
    await this.#loop;
    await this.#wal?.close();
  }

  /** Resolves when every queued input has been handled (the simulation steps on this). */
  idle(): Promise<void> {
    return this.#loop;
  }

  #machineConfig() {
    const own = this.#o.privValidator?.address;
    return {
      timeouts: this.#timeouts,
      verifySignature: verifyEd25519Cached,
      ...(own === undefined ? {} : { ownAddress: own }),
    };
  }

  async #replay(payloads: Uint8Array[]): Promise<void> {
    this.#replaying = true;
    for (const payload of payloads) {
      const walInput = decodeWalInput(payload);
      const input = await this.#toInput(walInput);
      if (input === undefined) continue;
      this.#matchOwnMessage(input);
      await this.#handle({ input, wal: undefined });
    }
    this.#replaying = false;
    this.#o.logger.info(
      { height: Number(this.#machine.params.height), round: this.#machine.round, records: payloads.length },
      "WAL replayed",
    );
    // Signatures the crash interrupted; the double-sign guard makes re-signing safe.
    const pending = this.#pendingSigns;
    const timeouts = this.#replayTimeouts;
    this.#pendingSigns = [];
    this.#replayTimeouts = [];
    for (const effect of [...timeouts, ...pending]) await this.#perform(effect);
  }

  #matchOwnMessage(input: Input): void {
    const own = this.#o.privValidator?.address;
    if (own === undefined) return;
    if (input.kind === "vote" && bytesEqual(input.vote.validatorAddress, own)) {
      const { vote } = input;
      this.#ownMessages.push({ kind: "vote", vote });
      this.#pendingSigns = this.#pendingSigns.filter(
        (e) =>
          !(
            e.kind === "signVote" &&
            e.type === vote.type &&
            e.height === vote.height &&
            e.round === vote.round
          ),
      );
    }
    if (input.kind === "proposal" && isProposer(this.#machine, input.proposal.round)) {
      const { proposal } = input;
      this.#ownMessages.push({ kind: "proposal", proposal, blockBytes: input.proposed.blockBytes });
      this.#pendingSigns = this.#pendingSigns.filter(
        (e) => !(e.kind === "propose" && e.height === proposal.height && e.round === proposal.round),
      );
    }
  }

  /** Turns a logged or received message into a machine input: the block is decoded and its BlockID
   * checked against the proposal/commit; the validity verdict is the logged one or computed now. */
  async #toInput(message: WalInput): Promise<Input | undefined> {
    if (message.kind === "start") return { kind: "start" };
    if (message.kind === "timeout")
      return {
        kind: "timeout",
        timeout: { height: message.height, round: message.round, step: message.step },
      };
    if (message.kind === "vote") return { kind: "vote", vote: message.vote };
    const expected = message.kind === "proposal" ? message.proposal.blockId : message.commit.blockId;
    const proposed = proposedFromBytes(message.blockBytes, expected, (reason) => this.#reject(reason));
    if (proposed === undefined) return undefined;
    const valid = message.valid ?? (await this.#verdicts.verdict(this.#chainState, proposed));
    if (message.kind === "proposal") return { kind: "proposal", proposal: message.proposal, proposed, valid };
    return { kind: "commit", proposed, commit: message.commit, valid };
  }

  #reject(reason: string): void {
    this.#o.onRejected?.(reason);
  }

  #receive(message: ConsensusMessage, from: PeerId): void {
    if (!this.#running) return;
    const height = this.#machine.params.height;
    const messageHeight = heightOf(message);
    if (messageHeight < height) {
      this.#catchup.send(from, messageHeight);
      return;
    }
    if (messageHeight === height + 1n) {
      // Received again through this method after the decision (#decide), and checked then like any
      // message of the current height. Further ahead: caught up by commit.
      this.#nextHeight.add(message, from);
      return;
    }
    if (messageHeight > height) return;
    this.#push({ input: { kind: "start" }, wal: message, from });
  }

  #push(item: QueueItem): void {
    if (this.#queue.length >= MAX_QUEUED_INPUTS) {
      this.#reject("input queue full");
      return;
    }
    this.#queue.push(item);
    if (this.#queue.length === 1) this.#loop = this.#loop.then(() => this.#drain());
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && !this.#stopped) {
      const item = this.#queue.shift()!;
      try {
        // Network messages are converted here, in the loop, so verdicts use the current chain state.
        let input = item.input;
        if (
          item.wal !== undefined &&
          item.wal.kind !== "start" &&
          item.wal.kind !== "timeout" &&
          item.from !== undefined
        ) {
          const message = item.wal;
          // Queued before the last decision: judging its block against the new state would be wasted
          // (a full processProposal of an old block) and the machine drops it anyway.
          if (heightOf(message) !== this.#machine.params.height) continue;
          if (
            message.kind === "proposal"
              ? isRedundant(this.#machine, { kind: "proposal", round: message.proposal.round })
              : isRedundant(this.#machine, message)
          )
            continue;
          const converted = await this.#toInput(item.wal);
          if (converted === undefined) continue;
          input = converted;
          item.wal = this.#withVerdict(item.wal, converted);
        }
        await this.#handle({ input, wal: item.wal });
      } catch (error) {
        this.#halt(error);
        return;
      }
    }
  }

  #halt(error: unknown): void {
    this.#stopped = true;
    this.#running = false;
    this.#o.onError(error);
  }

  #withVerdict(message: WalInput, input: Input): WalInput {
    if (
      (input.kind === "proposal" || input.kind === "commit") &&
      (message.kind === "proposal" || message.kind === "commit")
    )
      return { ...message, valid: input.valid };
    return message;
  }

  /** WAL first, then the machine, then the effects in order. */
  async #handle(item: { input: Input; wal: WalInput | undefined }): Promise<void> {
    if (item.input.kind !== "blockApplied" && !this.#isCurrent(item.input)) return;
    if (item.wal !== undefined && !this.#replaying)
      await this.#wal.writeInput(encodeWalInput(item.wal), false);
    const [roundBefore, stepBefore] = [this.#machine.round, this.#machine.step];
    const { state, effects } = step(this.#machine, item.input);
    this.#machine = state;
    if (stepBefore === Step.newHeight && state.step !== Step.newHeight) this.#marks.start ??= this.#nowMs();
    if (item.input.kind === "proposal") this.#marks.proposal ??= this.#nowMs();
    // A timeout that moved the machine means a round did not go as it should: worth an info line.
    if (
      item.input.kind === "timeout" &&
      item.input.timeout.step !== "newHeight" &&
      (state.round !== roundBefore || state.step !== stepBefore)
    ) {
      const { height, round, step: timeoutStep } = item.input.timeout;
      this.#o.logger.info({ height: Number(height), round, step: timeoutStep }, "timeout");
    }
    for (const effect of effects) await this.#perform(effect);
  }

  #isCurrent(input: Input): boolean {
    const height = this.#machine.params.height;
    if (input.kind === "vote") return input.vote.height === height;
    if (input.kind === "proposal") return input.proposal.height === height;
    if (input.kind === "commit") return input.commit.height === height;
    if (input.kind === "timeout") return input.timeout.height === height;
    return true;
  }

  async #perform(effect: Effect): Promise<void> {
    switch (effect.kind) {
      case "propose":
        if (this.#replaying) this.#pendingSigns.push(effect);
        else await this.#propose(effect);
        return;
      case "signVote":
        if (this.#replaying) this.#pendingSigns.push(effect);
        else await this.#signVote(effect);
        return;
      case "scheduleTimeout":
        if (this.#replaying) this.#replayTimeouts.push(effect);
        else this.#scheduleTimeout(effect);
        return;
      case "decide":
        await this.#decide(effect.proposed, effect.commit);
        return;
      case "evidence":
        if (this.#pendingEvidence.some((e) => sameInfraction(e.voteA, effect.voteA))) return;
        if (this.#pendingEvidence.length >= MAX_PENDING_EVIDENCE) return;
        this.#o.logger.warn(
          {
            height: Number(effect.voteA.height),
            validator: Buffer.from(effect.voteA.validatorAddress).toString("hex"),
          },
          "conflicting votes: duplicate vote evidence",
        );
        this.#pendingEvidence.push({
          voteA: effect.voteA,
          voteB: effect.voteB,
          validatorPower: effect.validatorPower,
          totalVotingPower: effect.totalVotingPower,
        });
        return;
      case "rejected":
        this.#reject(effect.reason);
        return;
    }
  }

  #scheduleTimeout(effect: Extract<Effect, { kind: "scheduleTimeout" }>): void {
    const delay = effect.durationMs + (effect.timeout.step === "propose" ? this.#proposeBackoffMs : 0);
    const handle = this.#o.timers.setTimer(delay, () => {
      this.#timers.delete(handle);
      if (!this.#running) return;
      const { timeout } = effect;
      // Most fire after their round is over (every height arms timeout_propose): only the machine
      // can tell whether one matters (#handle logs those).
      if (timeout.step !== "newHeight")
        this.#o.logger.debug?.(
          { height: Number(timeout.height), round: timeout.round, step: timeout.step },
          "timeout fired",
        );
      this.#push({ input: { kind: "timeout", timeout }, wal: { kind: "timeout", ...timeout } });
    });
    this.#timers.add(handle);
  }

  async #propose(effect: Extract<Effect, { kind: "propose" }>): Promise<void> {
    const privValidator = this.#o.privValidator;
    if (
      privValidator === undefined ||
      effect.height !== this.#machine.params.height ||
      effect.round !== this.#machine.round
    )
      return;
    let proposed = effect.proposed;
    if (proposed === undefined) {
      const state = this.#chainState;
      const time =
        state.lastBlockHeight + 1n === state.initialHeight
          ? state.lastBlockTime
          : medianTime(this.#machine.params.lastCommit, new ValidatorSet(state.lastValidators));
      const started = performance.now();
      const built = await this.#o.executor.createProposal(state, {
        proposer: privValidator.address,
        lastCommit: this.#machine.params.lastCommit,
        time,
      });
      this.#o.logger.debug?.(
        {
          height: Number(effect.height),
          round: effect.round,
          txs: built.block.data.txs.length,
          bytes: built.blockBytes.length,
          ms: Math.round(performance.now() - started),
          reapWaitMs: Math.round(built.reapWaitMs),
        },
        "proposal built",
      );
      proposed = { block: built.block, blockId: built.blockId, blockBytes: built.blockBytes };
    }
    const unsigned = {
      height: effect.height,
      round: effect.round,
      polRound: effect.polRound,
      blockId: proposed.blockId,
      timestamp: this.#o.clock.now(),
      signature: new Uint8Array(),
    };
    let signed: { signature: Uint8Array; timestamp: Timestamp };
    try {
      signed = await privValidator.signProposal(this.#machine.params.chainId, unsigned);
    } catch (error) {
      if (error instanceof DoubleSignError)
        return this.#o.logger.error({ err: error }, "refused to sign a proposal");
      throw error;
    }
    const proposal = { ...unsigned, ...signed };
    const message: ConsensusMessage = { kind: "proposal", proposal, blockBytes: proposed.blockBytes };
    // The transport may send it compactly (tx hashes) and needs the decoded block for that.
    rememberProposedBlock(proposed);
    await this.#wal.writeInput(encodeWalInput({ ...message, valid: true }), true);
    this.#ownMessages.push(message);
    this.#o.transport.broadcast(message);
    this.#verdicts.remember(proposed.blockId, true);
    await this.#handle({ input: { kind: "proposal", proposal, proposed, valid: true }, wal: undefined });
  }

  async #signVote(effect: Extract<Effect, { kind: "signVote" }>): Promise<void> {
    const privValidator = this.#o.privValidator;
    if (privValidator === undefined) return;
    const found = this.#machine.validators.getByAddress(privValidator.address);
    if (found === undefined) return;
    const now = this.#o.clock.now();
    const timestamp =
      effect.minTimestamp !== undefined && compareTimestamps(now, effect.minTimestamp) < 0
        ? effect.minTimestamp
        : now;
    const unsigned: Vote = {
      type: effect.type,
      height: effect.height,
      round: effect.round,
      blockId: effect.blockId,
      timestamp,
      validatorAddress: privValidator.address,
      validatorIndex: found.index,
      signature: new Uint8Array(),
    };
    const signStarted = this.#nowMs();
    let signed: { signature: Uint8Array; timestamp: Timestamp };
    try {
      signed = await privValidator.signVote(this.#machine.params.chainId, unsigned);
    } catch (error) {
      if (error instanceof DoubleSignError)
        return this.#o.logger.error({ err: error }, "refused to sign a vote");
      throw error;
    }
    const vote: Vote = { ...unsigned, ...signed };
    rememberOwnSignature(
      vote.signature,
      voteSignBytes(this.#machine.params.chainId, vote),
      found.validator.pubKey,
    );
    const message: ConsensusMessage = { kind: "vote", vote };
    // Durable before anyone else can see it (style rule 3).
    await this.#wal.writeInput(encodeWalInput(message), true);
    this.#ownMessages.push(message);
    this.#o.transport.broadcast(message);
    const sent = this.#nowMs();
    this.#marks.signMs += sent - signStarted;
    if (effect.type === 1) this.#marks.prevote ??= sent;
    else this.#marks.precommit ??= sent;
    await this.#handle({ input: { kind: "vote", vote }, wal: undefined });
  }

  async #decide(proposed: ProposedBlock, commit: Commit): Promise<void> {
    const height = proposed.block.header.height;
    const decidedAtMs = clockMs(this.#o.clock);
    const started = performance.now();
    const marks = this.#marks;
    this.#o.onDecided?.(height);
    const next = await this.#o.executor.applyBlock(
      this.#chainState,
      proposed.block,
      proposed.blockId,
      proposed.blockBytes.length,
      commit,
    );
    await this.#wal.writeEndHeight(height);
    this.#catchup.decided(height);
    this.#o.logger.debug?.(
      {
        height: Number(height),
        round: this.#machine.round,
        txs: proposed.block.data.txs.length,
        applyMs: Math.round(performance.now() - started),
      },
      "decided",
    );
    this.#o.logger.debug?.({ height: Number(height), ...timeline(marks, decidedAtMs) }, "height timeline");
    this.#marks = newMarks(decidedAtMs);
    this.#chainState = next;
    const delta = this.#timeouts.proposeDeltaMs;
    const round = commit.round;
    this.#proposeBackoffMs =
      round > 0
        ? Math.min(MAX_PROPOSE_BACKOFF_MS, this.#proposeBackoffMs + delta * round)
        : Math.max(0, this.#proposeBackoffMs - delta);
    this.#verdicts.clear();
    this.#ownMessages = [];
    for (const pending of this.#pendingEvidence) {
      const evidence = makeDuplicateVoteEvidence(
        pending.voteA,
        pending.voteB,
        pending,
        proposed.block.header.time,
      );
      this.#o.onEvidence?.(evidence);
    }
    this.#pendingEvidence = [];
    const { state, effects } = step(this.#machine, {
      kind: "blockApplied",
      next: heightParams(next, commit),
    });
    this.#machine = state;
    // timeout_commit runs from the decision, not from the end of execution, as CometBFT's
    // StartTime = CommitTime + timeout_commit: a block that takes 0.6 s to apply leaves 0.4 s of
    // wait, so heights take max(timeout_commit, execution) plus the votes, not their sum. Paced
    // (block_interval), the wait is also shortened by the time since this height's round 0 began.
    const elapsedMs = Math.max(0, clockMs(this.#o.clock) - decidedAtMs);
    const waitMs = (durationMs: number) =>
      commitWaitMs(durationMs, this.#o.blockIntervalMs ?? 0, decidedAtMs - (marks.start ?? decidedAtMs)) -
      elapsedMs;
    for (const effect of effects) {
      if (effect.kind === "scheduleTimeout" && effect.timeout.step === "newHeight") {
        const durationMs = Math.max(0, waitMs(effect.durationMs));
        this.#scheduleBeforeNextHeight(durationMs);
        await this.#perform({ ...effect, durationMs });
      } else await this.#perform(effect);
    }
    for (const { message, from } of this.#nextHeight.take()) this.#receive(message, from);
  }

  #scheduleBeforeNextHeight(waitMs: number): void {
    const callback = this.#o.beforeNextHeight;
    if (callback === undefined) return;
    if (waitMs <= NEXT_HEIGHT_LEAD_MS) {
      callback();
      return;
    }
    this.#o.timers.setTimer(waitMs - NEXT_HEIGHT_LEAD_MS, () => {
      if (this.#running) callback();
    });
  }

  #nowMs(): number {
    return clockMs(this.#o.clock);
  }

  /** Repeats own messages of this height and the current round's proposal and votes. */
  #scheduleGossip(): void {
    const interval = this.#o.gossipIntervalMs ?? DEFAULT_GOSSIP_INTERVAL_MS;
    this.#gossipTimer = this.#o.timers.setTimer(interval, () => {
      if (!this.#running) return;
      this.#gossip();
      // Received messages buffered in the WAL reach the file at least this often (wal.ts).
      this.#wal.flush().catch((error: unknown) => {
        if (this.#running) this.#halt(error);
      });
      this.#scheduleGossip();
    });
  }

  #gossip(): void {
    const machine = this.#machine;
    const height = machine.params.height;
    const held = this.#heldAtLastTick;
    const heldSinceLastTick = (round: number) => held?.height === height && held.rounds.has(round);
    const repeated = repeatedMessages(machine, this.#ownMessages, heldSinceLastTick);
    const transport = this.#o.transport;
    if (transport.broadcastMany !== undefined) transport.broadcastMany(repeated);
    else for (const message of repeated) transport.broadcast(message);
    this.#heldAtLastTick = { height, rounds: new Set(machine.proposals.keys()) };
  }

  /** Where the machine is, for logs, RPC consensus_state and the simulation's reports. */
  describe(): {
    height: bigint;
    round: number;
    step: number;
    lockedRound: number;
    validRound: number;
    proposalRounds: number[];
  } {
    const machine = this.#machine;
    return {
      height: machine.params.height,
      round: machine.round,
      step: machine.step,
      lockedRound: machine.lockedRound,
      validRound: machine.validRound,
      proposalRounds: [...machine.proposals.keys()],
    };
  }
}

/** The wait after a decision, ms: timeout_commit; paced, what is left of the block interval since round
 * 0 of the decided height began (`heightMs` before the decision), but never less than timeout_commit. */
export function commitWaitMs(commitMs: number, blockIntervalMs: number, heightMs: number): number {
  return blockIntervalMs > 0 ? Math.max(commitMs, blockIntervalMs - heightMs) : commitMs;
}

interface HeightMarks {
  /** The previous height's decision (undefined for the first height of this engine). */
  previousDecision: number | undefined;
  start?: number;
  proposal?: number;
  prevote?: number;
  precommit?: number;
  /** Time from asking the double-sign guard for own votes to their broadcast (two durable writes). */
  signMs: number;
}

function newMarks(previousDecision: number | undefined): HeightMarks {
  return { previousDecision, signMs: 0 };
}

/** Offsets from round 0's start, ms: the wait before it (timeout_commit), the proposal (own or
 * received), own prevote and precommit sent, the decision. */
function timeline(marks: HeightMarks, decidedAt: number): Record<string, number> {
  const start = marks.start ?? decidedAt;
  const offset = (at: number | undefined) => (at === undefined ? -1 : at - start);
  return {
    waitMs: marks.previousDecision === undefined ? -1 : start - marks.previousDecision,
    proposalMs: offset(marks.proposal),
    prevoteMs: offset(marks.prevote),
    precommitMs: offset(marks.precommit),
    decideMs: decidedAt - start,
    voteSignMs: marks.signMs,
  };
}

function sameInfraction(a: Vote, b: Vote): boolean {
  return (
    a.height === b.height &&
    a.round === b.round &&
    a.type === b.type &&
    bytesEqual(a.validatorAddress, b.validatorAddress)
  );
}

/** The machine's view of the next height from the chain state. */
export function heightParams(state: ChainState, lastCommit: Commit): HeightParams {
  const params: HeightParams = {
    chainId: state.chainId,
    height: state.lastBlockHeight + 1n,
    initialHeight: state.initialHeight,
    validators: state.validators,
    lastValidators: state.lastValidators,
    lastCommit,
  };
  if (state.validatorsProposer !== undefined) params.proposerAddress = state.validatorsProposer;
  return params;
}

/** Encoded block bytes, for callers holding a decoded block. */
export function blockBytesOf(block: Block): Uint8Array {
  return encodeBlock(block);
}
