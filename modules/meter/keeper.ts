// Meter keeper: candidates for each device-day, one vote per validator operator, finality at more
// than 2/3 of the current validator power, conflicts recorded, and the finalization hook (escrow's
// pay-per-reading). Message handlers are thin; the rules live here (README.md).
import type { Context } from "../../chain/app/module.ts";
import { toHex } from "../../chain/crypto/hash.ts";
import type { DeviceReader } from "../device/keeper.ts";
import type { ValidatorOperators } from "../poa/keeper.ts";
import { passesTwoThirds } from "../poa/tally.ts";
import {
  type Candidate,
  type Commitment,
  type CommitmentBody,
  commitmentHash,
  decodeCandidate,
  decodeCommitment,
  encodeCandidate,
  encodeCommitment,
} from "./codec.ts";
import { meterError } from "./errors.ts";
import {
  CANDIDATE_PREFIX,
  COMMITMENT_PREFIX,
  candidateKey,
  candidatePrefix,
  commitmentKey,
  conflictKey,
  INDEX_MARKER,
  prefixEnd,
  SECONDS_PER_DAY,
  STORE_NAME,
  voteKey,
} from "./keys.ts";
import {
  EVENT_COMMITMENT_ATTESTED,
  EVENT_COMMITMENT_CONFLICT,
  EVENT_COMMITMENT_FINALIZED,
  EVENT_COMMITMENT_SUBMITTED,
} from "./type-urls.ts";

/** Called once per commitment when it becomes final, inside the tx that finalizes it (README.md,
 * Hooks). Escrow implements it; the narrowest interface meter needs. */
export interface CommitmentFinalizedHook {
  onCommitmentFinalized(
    ctx: Context,
    commitment: { deviceId: string; day: bigint; count: bigint; submitter: string },
  ): Promise<void>;
}

export interface MeterDependencies {
  devices: DeviceReader;
  validators: ValidatorOperators;
  /** Hooks in the order they run (deterministic: fixed at wiring). */
  hooks: CommitmentFinalizedHook[];
}

export class MeterKeeper {
  #deps: MeterDependencies | undefined;

  constructor(deps?: MeterDependencies) {
    this.#deps = deps;
  }

  connect(deps: MeterDependencies): void {
    this.#deps = deps;
  }

  get deps(): MeterDependencies {
    if (this.#deps === undefined) throw new Error("meter keeper used before it was connected");
    return this.#deps;
  }

  getCommitment(ctx: Context, deviceId: string, day: bigint): Commitment | undefined {
    const bytes = ctx.store(STORE_NAME).get(commitmentKey(deviceId, day));
    return bytes === undefined ? undefined : decodeCommitment(bytes);
  }

  getCandidate(ctx: Context, deviceId: string, day: bigint, hash: Uint8Array): Candidate | undefined {
    const bytes = ctx.store(STORE_NAME).get(candidateKey(deviceId, day, hash));
    return bytes === undefined ? undefined : decodeCandidate(bytes);
  }

  async candidates(ctx: Context, deviceId: string, day: bigint): Promise<Candidate[]> {
    const prefix = candidatePrefix(deviceId, day);
    const list: Candidate[] = [];
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
      list.push(decodeCandidate(value));
    return list;
  }

  /** Checks shared by submit and attest: a current operator, not yet final, not yet voted. */
  #checkVoter(ctx: Context, operator: string, deviceId: string, day: bigint): void {
    if (!this.deps.validators.isOperator(ctx, operator))
      throw meterError("notOperator", `${operator} operates no current validator`);
    if (ctx.store(STORE_NAME).has(commitmentKey(deviceId, day)))
      throw meterError("alreadyFinal", `${deviceId} day ${day}`);
    const voted = ctx.store(STORE_NAME).get(voteKey(deviceId, day, operator));
    if (voted !== undefined)
      throw meterError("alreadyVoted", `${operator} backs ${toHex(voted)} for ${deviceId} day ${day}`);
  }

  /** Power of the candidate's backers that are current validators. */
  #attestedPower(ctx: Context, attesters: readonly string[]): bigint {
    const powers = new Map(this.deps.validators.operators(ctx).map((info) => [info.operator, info.power]));
    let power = 0n;
    for (const attester of attesters) power += powers.get(attester) ?? 0n;
    return power;
  }

  async submit(
    ctx: Context,
    operator: string,
    body: CommitmentBody,
  ): Promise<{ hash: Uint8Array; final: boolean }> {
    const { deviceId, day } = body;
    if (this.deps.devices.getDevice(ctx, deviceId) === undefined)
      throw meterError("deviceNotFound", `device ${deviceId}`);
    if ((day + 1n) * SECONDS_PER_DAY > ctx.time.seconds)
      throw meterError(
        "dayNotOver",
        `day ${day} ends at ${(day + 1n) * SECONDS_PER_DAY}, block time ${ctx.time.seconds}`,
      );
    this.#checkVoter(ctx, operator, deviceId, day);
    const hash = commitmentHash(body);
    if (ctx.store(STORE_NAME).has(candidateKey(deviceId, day, hash)))
      throw meterError("candidateExists", toHex(hash));
    const others = await this.candidates(ctx, deviceId, day);
    const candidate: Candidate = {
      body,
      hash,
      submitter: operator,
      attesters: [operator],
      submitHeight: ctx.height,
    };
    this.#saveCandidate(ctx, candidate, operator);
    ctx.events.emit(EVENT_COMMITMENT_SUBMITTED, {
      device_id: deviceId,
      day: day.toString(),
      hash: toHex(hash),
      root: toHex(body.root),
      count: body.count.toString(),
      submitter: operator,
    });
    if (others.length > 0) {
      ctx.store(STORE_NAME).set(conflictKey(deviceId, day), INDEX_MARKER);
      ctx.events.emit(EVENT_COMMITMENT_CONFLICT, {
        device_id: deviceId,
        day: day.toString(),
        candidates: String(others.length + 1),
      });
    }
    return { hash, final: await this.#tryFinalize(ctx, candidate) };
  }

  async attest(
    ctx: Context,
    operator: string,
    deviceId: string,
    day: bigint,
    hash: Uint8Array,
  ): Promise<boolean> {
    this.#checkVoter(ctx, operator, deviceId, day);
    const candidate = this.getCandidate(ctx, deviceId, day, hash);
    if (candidate === undefined)
      throw meterError("candidateNotFound", `${deviceId} day ${day} ${toHex(hash)}`);
    const updated = { ...candidate, attesters: [...candidate.attesters, operator] };
    this.#saveCandidate(ctx, updated, operator);
    ctx.events.emit(EVENT_COMMITMENT_ATTESTED, {
      device_id: deviceId,
      day: day.toString(),
      hash: toHex(hash),
      attester: operator,
    });
    return this.#tryFinalize(ctx, updated);
  }

  #saveCandidate(ctx: Context, candidate: Candidate, voter: string): void {
    const { deviceId, day } = candidate.body;
    ctx.store(STORE_NAME).set(candidateKey(deviceId, day, candidate.hash), encodeCandidate(candidate));
    ctx.store(STORE_NAME).set(voteKey(deviceId, day, voter), candidate.hash);
  }

  /** Final when 3 × attested power > 2 × total power (strictly more than 2/3, as CometBFT). */
  async #tryFinalize(ctx: Context, candidate: Candidate): Promise<boolean> {
    const total = this.deps.validators.totalPower(ctx);
    const attested = this.#attestedPower(ctx, candidate.attesters);
    if (!passesTwoThirds(attested, total)) return false;
    const { deviceId, day, count } = candidate.body;
    const commitment: Commitment = {
      body: candidate.body,
      hash: candidate.hash,
      submitter: candidate.submitter,
      attesters: candidate.attesters,
      attestedPower: attested,
      totalPower: total,
      finalHeight: ctx.height,
    };
    ctx.store(STORE_NAME).set(commitmentKey(deviceId, day), encodeCommitment(commitment));
    ctx.events.emit(EVENT_COMMITMENT_FINALIZED, {
      device_id: deviceId,
      day: day.toString(),
      hash: toHex(candidate.hash),
      root: toHex(candidate.body.root),
      count: count.toString(),
      submitter: candidate.submitter,
      attested_power: attested.toString(),
      total_power: total.toString(),
    });
    for (const hook of this.deps.hooks)
      await hook.onCommitmentFinalized(ctx, { deviceId, day, count, submitter: candidate.submitter });
    return true;
  }

  // ---- genesis, invariants -------------------------------------------------------------------

  importCommitment(ctx: Context, commitment: Commitment): void {
    const { deviceId, day } = commitment.body;
    ctx.store(STORE_NAME).set(commitmentKey(deviceId, day), encodeCommitment(commitment));
  }

  importCandidate(ctx: Context, candidate: Candidate): void {
    for (const attester of candidate.attesters) this.#saveCandidate(ctx, candidate, attester);
  }

  /** Sets the conflict marker of every device-day with two or more candidates (genesis import). */
  markConflict(ctx: Context, deviceId: string, day: bigint): void {
    ctx.store(STORE_NAME).set(conflictKey(deviceId, day), INDEX_MARKER);
  }

  async *iterateCommitments(ctx: Context): AsyncIterable<Commitment> {
    const start = Uint8Array.of(COMMITMENT_PREFIX);
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! }))
      yield decodeCommitment(value);
  }

  async *iterateCandidates(ctx: Context): AsyncIterable<Candidate> {
    const start = Uint8Array.of(CANDIDATE_PREFIX);
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! }))
      yield decodeCandidate(value);
  }

  /** The vote stored for an operator (invariants). */
  voteOf(ctx: Context, deviceId: string, day: bigint, operator: string): Uint8Array | undefined {
    return ctx.store(STORE_NAME).get(voteKey(deviceId, day, operator));
  }

  hasConflictMarker(ctx: Context, deviceId: string, day: bigint): boolean {
    return ctx.store(STORE_NAME).has(conflictKey(deviceId, day));
  }
}
