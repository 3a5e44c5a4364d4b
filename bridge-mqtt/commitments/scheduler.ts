// Daily commitments (README.md, Daily commitments and retention): after each UTC day D plus the
// grace period, for every device with readings on D, compute the body over the day's readings in
// sequence order and compare with the chain (meter Status): final → done; a candidate with our hash
// → attest; none → the designated submitter submits (the others in turn, after fallback waits);
// another hash → repair from peers, recompute, attest if equal now, else submit ours (a recorded
// conflict).
// Passes run on a timer and when committed blocks carry meter events; progress is saved per
// device-day so a restart neither votes twice nor re-reads final days.
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { Event } from "../../chain/app/abci.ts";
import { bytesEqual, fromHex, toHex } from "../../chain/crypto/hash.ts";
import type { Logger } from "../../chain/node.ts";
import type { NodeEvent } from "../../chain/rpc/backend.ts";
import type { Database } from "../../chain/store/db.ts";
import { bodyToProto, commitmentHash, pb as meterPb } from "../../modules/meter/codec.ts";
import { MILLISECONDS_PER_DAY } from "../../modules/meter/keys.ts";
import { commitmentBodyOf, dayOf } from "../../modules/meter/reading.ts";
import {
  EVENT_COMMITMENT_FINALIZED,
  EVENT_COMMITMENT_SUBMITTED,
  MSG_ATTEST_COMMITMENT,
  MSG_SUBMIT_COMMITMENT,
  QUERY_METER_STATUS,
} from "../../modules/meter/type-urls.ts";
import { pb as poaPb } from "../../modules/poa/codec.ts";
import { QUERY_VALIDATORS } from "../../modules/poa/type-urls.ts";
import type { ReadingStore, StoredReading } from "../reading-store.ts";
import type { QueryFunction } from "../registry.ts";
import { devicePagesOfDay, loadDayReadings, nextDayWithReadings } from "./day-index.ts";
import { type ChainCandidate, type Decision, decide, submitterTurn } from "./decide.ts";
import { isDayDone, loadProgress, markDayDone, reopenDay, saveProgress } from "./progress-store.ts";
import type { SentTx } from "./tx-sender.ts";

const DAY_MS = Number(MILLISECONDS_PER_DAY);
/** How often a pass looks for due days, ms: cheap when nothing is due (a few key reads). */
export const PASS_INTERVAL_MS = 2_000;
/** How long each validator in turn gives the ones before it (the designated submitter first) before
 * submitting itself, ms: a few block intervals of a loaded chain. */
export const SUBMIT_FALLBACK_MS = 20_000;
/** A device-day we voted on is looked at again after this long (or at once on a meter event), ms. */
export const VOTED_RECHECK_MS = 30_000;
/** A device-day whose tx failed is tried again after this long, ms. */
export const FAILED_RETRY_MS = 10_000;
/** Messages in one tx: about 1 KB each, so a tx stays far below MAX_TX_BYTES and its gas moderate. */
export const MAX_MSGS_PER_TX = 50;
/** Device-days evaluated (readings loaded, Status queried) in one pass; the next pass continues. */
export const MAX_EVALUATIONS_PER_PASS = 2_000;
/** Days looked at in one pass (retention keeps the index short; this bounds a backlog). */
export const MAX_DAYS_PER_PASS = 400;
/** In-memory per-device-day notes (next check time, repairs tried): a bound on memory, not on work;
 * the oldest note is dropped when full (the device-day is then simply evaluated again). */
export const MAX_TRACKED_DEVICE_DAYS = 100_000;

export interface CommitmentCounters {
  submits: number;
  attests: number;
  repairs: number;
  conflicts: number;
  /** Device-days this node saw become final. */
  finalized: number;
  /** Commitment txs refused, failed in their block or not confirmed. */
  txFailed: number;
  passes: number;
}

export interface CommitmentSchedulerOptions {
  db: Database;
  store: ReadingStore;
  query: QueryFunction;
  /** The operator's tx sender (tx-sender.ts). */
  sender: { address: string; send(messages: EncodeObject[]): Promise<SentTx> };
  subscribe(listener: (event: NodeEvent) => void): () => void;
  /** Wall clock, Unix ms. */
  now: () => number;
  graceMs: number;
  logger: Logger;
  /** Fetches a device-day's readings from peers (gossip repair protocol); absent: no repair. */
  repairDay?: (deviceId: string, day: bigint) => Promise<unknown>;
  submitFallbackMs?: number;
  passIntervalMs?: number;
}

interface PendingMessage {
  message: EncodeObject;
  kind: "submit" | "attest";
  deviceId: string;
  day: bigint;
  hash: Uint8Array;
}

/** A message to send, "final" (nothing more to do for the device-day) or nothing for now. */
type Evaluation = PendingMessage | "final" | undefined;

const noteKey = (deviceId: string, day: bigint) => `${deviceId}/${day}`;

/** Drops the oldest note when a note collection holds MAX_TRACKED_DEVICE_DAYS (insertion order). */
function makeRoom(notes: Map<string, unknown> | Set<string>): void {
  if (notes.size < MAX_TRACKED_DEVICE_DAYS) return;
  const oldest = notes.keys().next().value;
  if (oldest !== undefined) notes.delete(oldest);
}

function attribute(event: Event, key: string): string | undefined {
  return event.attributes.find((a) => a.key === key)?.value;
}

export class CommitmentScheduler {
  readonly counters: CommitmentCounters = {
    submits: 0,
    attests: 0,
    repairs: 0,
    conflicts: 0,
    finalized: 0,
    txFailed: 0,
    passes: 0,
  };
  readonly #options: CommitmentSchedulerOptions;
  /** Device-day → earliest time worth evaluating it again (Unix ms). */
  readonly #nextCheck = new Map<string, number>();
  /** Device-days a repair was tried for. */
  readonly #repaired = new Set<string>();
  /** Device-days recently seen final (dedup of the finalizing event). */
  readonly #finalizing = new Set<string>();
  /** Device-days submitted on chain that this node has no readings of (repaired at the next pass). */
  readonly #unknown = new Map<string, { deviceId: string; day: bigint }>();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #unsubscribeStored: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #notOperatorWarned = false;

  constructor(options: CommitmentSchedulerOptions) {
    this.#options = options;
  }

  start(): void {
    this.#unsubscribe = this.#options.subscribe((event) => this.#onEvent(event));
    this.#unsubscribeStored = this.#options.store.onStored((stored) => this.#onStored(stored));
    this.#timer = setInterval(() => this.kick(), this.#options.passIntervalMs ?? PASS_INTERVAL_MS);
    this.kick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#unsubscribe?.();
    this.#unsubscribeStored?.();
    await this.#running;
  }

  /** Runs a pass now, or once more after the running one. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.runPass()
      .catch((error: unknown) =>
        this.#options.logger.error({ err: String(error) }, "daily commitments: pass failed"),
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** One pass over the due days (tests call it directly). */
  async runPass(): Promise<void> {
    const { db, graceMs } = this.#options;
    this.counters.passes++;
    const now = this.#options.now();
    const lastDueDay = BigInt(Math.floor((now - graceMs) / DAY_MS)) - 1n;
    if (lastDueDay < 0n) return;
    await this.#repairUnknown(lastDueDay);
    const batch: PendingMessage[] = [];
    let budget = MAX_EVALUATIONS_PER_PASS;
    let operators: string[] | undefined;
    let day = await nextDayWithReadings(db, 0n);
    for (let days = 0; day !== undefined && day <= lastDueDay && days < MAX_DAYS_PER_PASS; days++) {
      if (this.#stopped) return;
      if (!(await isDayDone(db, day))) {
        const dueMs = Number(day + 1n) * DAY_MS + graceMs;
        let allFinal = true;
        for await (const devices of devicePagesOfDay(db, day)) {
          for (const deviceId of devices) {
            const progress = await loadProgress(db, day, deviceId);
            if (progress?.state === "final") continue;
            const next = this.#nextCheck.get(noteKey(deviceId, day));
            if (budget <= 0 || (next !== undefined && now < next)) {
              allFinal = false;
              continue;
            }
            budget--;
            operators ??= await this.#operators();
            if (!operators.includes(this.#options.sender.address)) {
              this.#warnNotOperator(operators);
              return;
            }
            let pending: Evaluation;
            try {
              pending = await this.#evaluate(deviceId, day, dueMs, now, operators);
            } catch (error) {
              // One device-day that cannot be evaluated (a query failing, a stored record that does
              // not decode) must not hold up the others: logged, looked at again later.
              this.#options.logger.warn(
                { device: deviceId, day: Number(day), err: String((error as Error).message ?? error) },
                "daily commitments: device-day not evaluated",
              );
              this.#setNextCheck(noteKey(deviceId, day), now + FAILED_RETRY_MS);
              allFinal = false;
              continue;
            }
            if (pending === "final") continue;
            allFinal = false;
            if (pending === undefined) continue;
            batch.push(pending);
            if (batch.length >= MAX_MSGS_PER_TX) await this.#flush(batch.splice(0));
          }
        }
        if (allFinal) await markDayDone(db, day);
      }
      day = await nextDayWithReadings(db, day + 1n);
    }
    if (batch.length > 0) await this.#flush(batch);
  }

  async #evaluate(
    deviceId: string,
    day: bigint,
    dueMs: number,
    now: number,
    operators: string[],
  ): Promise<Evaluation> {
    const { db, logger } = this.#options;
    const operator = this.#options.sender.address;
    const key = noteKey(deviceId, day);
    let ours = await this.#ourBody(deviceId, day);
    if (ours === undefined) return undefined; // pruned meanwhile
    const status = await this.#status(deviceId, day);
    const turn = submitterTurn(operators, operator, deviceId, day) ?? operators.length;
    const submitAtMs = dueMs + turn * (this.#options.submitFallbackMs ?? SUBMIT_FALLBACK_MS);
    const input = {
      ...status,
      ourHash: ours.hash,
      operator,
      designated: turn === 0,
      fallbackDue: now >= submitAtMs,
      repaired: this.#options.repairDay === undefined || this.#repaired.has(key),
    };
    let decision: Decision = decide(input);
    if (decision.kind === "repair") {
      this.#note(this.#repaired, key);
      this.counters.repairs++;
      logger.info(
        { device: deviceId, day: Number(day) },
        "daily commitments: our root differs; repairing from peers",
      );
      try {
        await this.#options.repairDay!(deviceId, day);
      } catch (error) {
        logger.warn(
          { device: deviceId, day: Number(day), err: String(error) },
          "daily commitments: repair failed",
        );
      }
      ours = (await this.#ourBody(deviceId, day)) ?? ours;
      decision = decide({ ...input, ourHash: ours.hash, repaired: true });
    }
    switch (decision.kind) {
      case "final":
        await this.#markFinal(deviceId, day, decision.hash);
        return "final";
      case "voted":
        if (!decision.matches)
          logger.warn(
            { device: deviceId, day: Number(day), voted: toHex(decision.hash), ours: toHex(ours.hash) },
            "daily commitments: we back a candidate that differs from our current readings",
          );
        await saveProgress(db, day, deviceId, { state: "voted", hash: decision.hash });
        this.#setNextCheck(key, now + VOTED_RECHECK_MS);
        return undefined;
      case "wait":
        this.#setNextCheck(key, submitAtMs);
        return undefined;
      case "attest":
        return {
          kind: "attest",
          deviceId,
          day,
          hash: decision.hash,
          message: {
            typeUrl: MSG_ATTEST_COMMITMENT,
            value: { operator, deviceId, day: Number(day), commitmentHash: decision.hash },
          },
        };
      case "submit":
        if (decision.conflict) {
          this.counters.conflicts++;
          logger.warn(
            {
              device: deviceId,
              day: Number(day),
              ours: toHex(ours.hash),
              theirs: status.candidates.map((c) => toHex(c.hash)),
            },
            "daily commitments: conflict: our root differs from every candidate after repair; submitting ours",
          );
        }
        return {
          kind: "submit",
          deviceId,
          day,
          hash: ours.hash,
          message: { typeUrl: MSG_SUBMIT_COMMITMENT, value: { operator, body: bodyToProto(ours.body) } },
        };
      case "repair":
        return undefined; // decide never asks twice
    }
  }

  async #ourBody(deviceId: string, day: bigint) {
    const { readings } = await loadDayReadings(this.#options.store, deviceId, day);
    if (readings.length === 0) return undefined;
    const body = commitmentBodyOf(deviceId, day, readings);
    return { body, hash: commitmentHash(body) };
  }

  async #status(
    deviceId: string,
    day: bigint,
  ): Promise<{ final: boolean; finalHash?: Uint8Array; candidates: ChainCandidate[] }> {
    const request = meterPb.QueryStatusRequest.encode({ deviceId, day: Number(day) }).finish();
    const response = await this.#options.query(QUERY_METER_STATUS, request);
    if (response.code !== 0) throw new Error(`meter Status query failed with code ${response.code}`);
    const status = meterPb.QueryStatusResponse.decode(response.value);
    return {
      final: status.final,
      ...(status.commitment?.hash ? { finalHash: status.commitment.hash } : {}),
      candidates: status.candidates.map((c) => ({
        hash: c.candidate?.hash ?? new Uint8Array(0),
        attesters: c.candidate?.attesters ?? [],
      })),
    };
  }

  /** Operators of current validators (not jailed, power > 0). */
  async #operators(): Promise<string[]> {
    const response = await this.#options.query(QUERY_VALIDATORS, new Uint8Array(0));
    if (response.code !== 0) throw new Error(`poa Validators query failed with code ${response.code}`);
    return poaPb.QueryValidatorsResponse.decode(response.value)
      .validators.filter((v) => !v.jailed && Number(v.power) > 0)
      .map((v) => v.operator ?? "")
      .filter((operator) => operator !== "");
  }

  async #flush(batch: PendingMessage[]): Promise<void> {
    const { logger } = this.#options;
    let sent: SentTx | undefined;
    let failure: string | undefined;
    try {
      sent = await this.#options.sender.send(batch.map((p) => p.message));
      if (sent.result.code !== 0)
        failure = `code ${sent.result.code} (${sent.result.codespace}): ${sent.result.log}`;
    } catch (error) {
      failure = String((error as Error).message ?? error);
    }
    if (failure !== undefined) {
      if (this.#stopped) return; // the sender was closed under it: the next start looks again
      this.counters.txFailed++;
      logger.warn(
        { messages: batch.length, err: failure },
        batch.length > 1
          ? "daily commitments: commitment tx failed; retrying its messages one by one"
          : "daily commitments: commitment tx failed; retried later",
      );
      // One message that lost a race (e.g. a candidate that appeared in the same block) fails the
      // whole tx; singles let the others through. Their failures are retried by later passes.
      if (batch.length > 1) for (const single of batch) await this.#flush([single]);
      else
        this.#setNextCheck(noteKey(batch[0]!.deviceId, batch[0]!.day), this.#options.now() + FAILED_RETRY_MS);
      return;
    }
    const now = this.#options.now();
    for (const pending of batch) {
      if (pending.kind === "submit") this.counters.submits++;
      else this.counters.attests++;
      await saveProgress(this.#options.db, pending.day, pending.deviceId, {
        state: "voted",
        hash: pending.hash,
      });
      this.#setNextCheck(noteKey(pending.deviceId, pending.day), now + VOTED_RECHECK_MS);
    }
    logger.info(
      {
        height: Number(sent!.height),
        submits: batch.filter((p) => p.kind === "submit").length,
        attests: batch.filter((p) => p.kind === "attest").length,
      },
      "daily commitments: tx committed",
    );
    await this.#onMeterEvents(sent!.result.events);
  }

  async #markFinal(deviceId: string, day: bigint, hash: Uint8Array): Promise<void> {
    // The finalizing event reaches us twice (our own tx's result and the block's events): claim the
    // device-day synchronously so it is recorded and counted once.
    const key = noteKey(deviceId, day);
    if (this.#finalizing.has(key)) return;
    this.#note(this.#finalizing, key);
    const previous = await loadProgress(this.#options.db, day, deviceId);
    if (previous?.state === "final") return;
    await saveProgress(this.#options.db, day, deviceId, { state: "final", hash });
    this.counters.finalized++;
    this.#nextCheck.delete(key);
    this.#repaired.delete(key);
    if (previous !== undefined && !bytesEqual(previous.hash, hash))
      this.#options.logger.warn(
        { device: deviceId, day: Number(day), final: toHex(hash), voted: toHex(previous.hash) },
        "daily commitments: the final commitment is not the one we voted for",
      );
  }

  #onEvent(event: NodeEvent): void {
    if (event.type !== "Tx" || event.result.code !== 0) return;
    this.#onMeterEvents(event.result.events).catch((error: unknown) =>
      this.#options.logger.warn({ err: String(error) }, "daily commitments: event handling failed"),
    );
  }

  async #onMeterEvents(events: readonly Event[]): Promise<void> {
    let poke = false;
    for (const event of events) {
      const deviceId = attribute(event, "device_id");
      const dayText = attribute(event, "day");
      if (deviceId === undefined || dayText === undefined || !/^[0-9]{1,10}$/.test(dayText)) continue;
      const day = BigInt(dayText);
      if (event.type === EVENT_COMMITMENT_FINALIZED) {
        const hash = attribute(event, "hash");
        if (hash !== undefined && /^[0-9a-f]{64}$/.test(hash))
          await this.#markFinal(deviceId, day, fromHex(hash));
      } else if (event.type === EVENT_COMMITMENT_SUBMITTED) {
        // Someone submitted: those waiting for the designated submitter can attest now.
        const progress = await loadProgress(this.#options.db, day, deviceId);
        if (progress === undefined) {
          this.#nextCheck.delete(noteKey(deviceId, day));
          poke = true;
          // A device-day this node has no readings of at all (it was cut off the whole time): only
          // a repair can show it; the next pass asks the peers first.
          if (
            this.#options.repairDay !== undefined &&
            (await this.#options.store.daySequences(deviceId, day)).length === 0
          )
            this.#noteUnknown(deviceId, day);
        }
      }
    }
    if (poke) this.kick();
  }

  #noteUnknown(deviceId: string, day: bigint): void {
    const key = noteKey(deviceId, day);
    if (!this.#unknown.has(key)) makeRoom(this.#unknown);
    this.#unknown.set(key, { deviceId, day });
  }

  /** Repairs the device-days others submitted that this node has no readings of; what the repair
   * stores is then evaluated like any other device-day (its day reopened if it was done). */
  async #repairUnknown(lastDueDay: bigint): Promise<void> {
    for (const [key, { deviceId, day }] of [...this.#unknown]) {
      if (this.#stopped || day > lastDueDay) continue;
      this.#unknown.delete(key);
      this.#note(this.#repaired, key);
      this.counters.repairs++;
      this.#options.logger.info(
        { device: deviceId, day: Number(day) },
        "daily commitments: a device-day we have no readings of was submitted; repairing from peers",
      );
      try {
        await this.#options.repairDay!(deviceId, day);
        await reopenDay(this.#options.db, day);
      } catch (error) {
        this.#options.logger.warn(
          { device: deviceId, day: Number(day), err: String(error) },
          "daily commitments: repair failed",
        );
      }
    }
  }

  /** A reading of a day already marked done (late gossip, a repair): look at that day again. */
  #onStored(stored: readonly StoredReading[]): void {
    const today = dayOf(BigInt(this.#options.now()));
    const days = new Set<bigint>();
    for (const { reading } of stored) {
      const day = dayOf(reading.timestampMs);
      if (day < today) days.add(day);
    }
    for (const day of days)
      (async () => {
        if (await isDayDone(this.#options.db, day)) await reopenDay(this.#options.db, day);
      })().catch((error: unknown) =>
        // The day stays marked done (its late readings uncommitted) until another of its readings
        // or a repair reopens it.
        this.#options.logger.warn(
          { day: Number(day), err: String(error) },
          "daily commitments: could not reopen a day for its late readings",
        ),
      );
  }

  #setNextCheck(key: string, atMs: number): void {
    this.#nextCheck.delete(key);
    makeRoom(this.#nextCheck);
    this.#nextCheck.set(key, atMs);
  }

  #note(set: Set<string>, key: string): void {
    makeRoom(set);
    set.add(key);
  }

  #warnNotOperator(operators: string[]): void {
    if (this.#notOperatorWarned) return;
    this.#notOperatorWarned = true;
    this.#options.logger.warn(
      { operator: this.#options.sender.address, operators },
      "daily commitments: the operator key does not operate a current validator; not submitting or attesting",
    );
  }
}
