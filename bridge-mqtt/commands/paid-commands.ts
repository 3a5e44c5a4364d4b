// Paid commands (IoT-Light; README.md, Commands): every validator's bridge learns of paid command
// windows from committed EventCommandPaid events (and, at start, from the escrow module's
// ActiveCommands query, for windows paid while it was down), keeps them in LevelDB, sends "on" to the
// device's commands topic (retained: a device that connects later, or to this validator after
// failing over, still gets it) and "off" at the end of the window, then drops the retained message.
import type { Logger } from "../../chain/node.ts";
import type { NodeEvent } from "../../chain/rpc/backend.ts";
import type { Database } from "../../chain/store/db.ts";
import { QUERY_ACTIVE_COMMANDS } from "../../modules/escrow/type-urls.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { sensorchain } from "../../proto/gen/escrow.js";
import type { QueryFunction } from "../registry.ts";
import { commandsTopic } from "../topics.ts";
import {
  BadPaidCommand,
  offMessage,
  onMessage,
  type PaidCommand,
  paidCommandOfEscrow,
  paidCommandsOf,
} from "./paid-command.ts";
import type { CommandPublisher } from "./publisher.ts";
import { ScheduleStore } from "./schedule-store.ts";

const pb = sensorchain.escrow.v1;

/** Most paid windows one bridge keeps scheduled (in memory and in LevelDB): one running command on
 * each of 10x the 10,000-device target. Beyond it a window is dropped, logged and counted. */
export const MAX_SCHEDULED_COMMANDS = 100_000;
/** Most chain events waiting to be scheduled; the work is a LevelDB write and a publish each. */
export const MAX_PENDING_COMMAND_EVENTS = 10_000;
/** Longest single wait of the "off" timer, ms: it re-arms, so a clock step is noticed within this. */
const MAX_TIMER_DELAY_MS = 60_000;
/** ActiveCommands page size at start (the query's own maximum). */
const ACTIVE_COMMANDS_PAGE = 1_000n;

export interface PaidCommandsOptions {
  db: Database;
  query: QueryFunction;
  subscribe(listener: (event: NodeEvent) => void): () => void;
  publisher: CommandPublisher;
  /** Bridge clock, Unix ms: windows are block time, compared with it. */
  now: () => number;
  logger: Logger;
}

export interface PaidCommandCounters {
  /** Windows scheduled (from events, the start query or LevelDB after a restart). */
  scheduled: number;
  on: number;
  off: number;
  /** Windows over before this bridge learned of them (events replayed while catching up). */
  late: number;
  /** Refused: MAX_SCHEDULED_COMMANDS or MAX_PENDING_COMMAND_EVENTS reached, or a malformed event. */
  dropped: number;
  publishFailed: number;
}

export class PaidCommands {
  readonly counters: PaidCommandCounters = {
    scheduled: 0,
    on: 0,
    off: 0,
    late: 0,
    dropped: 0,
    publishFailed: 0,
  };
  readonly #options: PaidCommandsOptions;
  readonly #store: ScheduleStore;
  /** Scheduled windows by escrow id. */
  readonly #active = new Map<bigint, PaidCommand>();
  /** Serializes schedule changes: save before "on", "off" before remove, in event order. */
  #work: Promise<void> = Promise.resolve();
  #pending = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerDueMs = Number.POSITIVE_INFINITY;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(options: PaidCommandsOptions) {
    this.#options = options;
    this.#store = new ScheduleStore(options.db);
  }

  /** Windows scheduled now, by escrow id order (tests, metrics). */
  get active(): PaidCommand[] {
    return [...this.#active.values()].sort((a, b) => (a.escrowId < b.escrowId ? -1 : 1));
  }

  /** Subscribes first (so nothing committed meanwhile is missed), then restores LevelDB and asks
   * the chain for windows paid while the bridge was down. Resolves once both are scheduled. */
  async start(): Promise<void> {
    this.#unsubscribe = this.#options.subscribe((event) => {
      if (event.type !== "Tx" || event.result.code !== 0) return;
      let commands: PaidCommand[];
      try {
        commands = paidCommandsOf(event.result.events);
      } catch (error) {
        this.counters.dropped++;
        this.#options.logger.error(
          { err: error, height: Number(event.height) },
          "paid command event refused",
        );
        return;
      }
      for (const command of commands) this.#enqueue(() => this.#schedule(command));
    });
    this.#enqueue(() => this.#restore());
    this.#enqueue(() => this.#catchUp());
    await this.#work;
  }

  /** Resolves once every queued schedule change is done (tests; stop). */
  async idle(): Promise<void> {
    for (;;) {
      const work = this.#work;
      await work;
      if (work === this.#work) return;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearTimeout(this.#timer);
    await this.#work;
  }

  #enqueue(task: () => Promise<void>): void {
    if (this.#pending >= MAX_PENDING_COMMAND_EVENTS) {
      this.counters.dropped++;
      this.#options.logger.error("paid command queue full: a window was dropped");
      return;
    }
    this.#pending++;
    this.#work = this.#work
      .then(() => (this.#stopped ? undefined : task()))
      .catch((error: unknown) => this.#options.logger.error({ err: error }, "paid command schedule failed"))
      .finally(() => this.#pending--);
  }

  async #restore(): Promise<void> {
    for (const command of await this.#store.loadAll(MAX_SCHEDULED_COMMANDS)) {
      if (command.untilMs <= this.#options.now()) await this.#switchOff(command);
      else await this.#schedule(command);
    }
  }

  async #catchUp(): Promise<void> {
    const endsAfter = BigInt(Math.floor(this.#options.now() / 1000));
    let key: Uint8Array = new Uint8Array(0);
    do {
      const response = await this.#options.query(
        QUERY_ACTIVE_COMMANDS,
        encodeCanonical(pb.QueryActiveCommandsRequest, {
          endsAfter: toLong(endsAfter),
          pagination: { key, limit: toLong(ACTIVE_COMMANDS_PAGE) },
        }),
      );
      if (response.code !== 0) throw new Error(`ActiveCommands query failed with code ${response.code}`);
      const page = pb.QueryActiveCommandsResponse.decode(response.value);
      for (const escrow of page.escrows) {
        try {
          const command = paidCommandOfEscrow(escrow);
          if (command !== undefined) await this.#schedule(command);
        } catch (error) {
          if (!(error instanceof BadPaidCommand)) throw error;
          this.counters.dropped++;
          this.#options.logger.error({ err: error }, "active command refused");
        }
      }
      key = page.pagination?.nextKey ?? new Uint8Array(0);
    } while (key.length > 0);
  }

  async #schedule(command: PaidCommand): Promise<void> {
    if (this.#active.has(command.escrowId)) return;
    if (command.untilMs <= this.#options.now()) {
      this.counters.late++;
      return;
    }
    if (this.#active.size >= MAX_SCHEDULED_COMMANDS) {
      this.counters.dropped++;
      this.#options.logger.error({ escrow: String(command.escrowId) }, "paid command schedule full");
      return;
    }
    await this.#store.save(command);
    this.#active.set(command.escrowId, command);
    this.counters.scheduled++;
    await this.#publish(commandsTopic(command.deviceId), onMessage(command), true);
    this.counters.on++;
    this.#options.logger.info(
      { device: command.deviceId, escrow: String(command.escrowId), untilMs: command.untilMs },
      "paid command on",
    );
    this.#arm(command.untilMs);
  }

  /** "off" to the device, then its retained message becomes the device's latest other running
   * window, or none; the schedule entry goes last. */
  async #switchOff(command: PaidCommand): Promise<void> {
    this.#active.delete(command.escrowId);
    const topic = commandsTopic(command.deviceId);
    await this.#publish(topic, offMessage(command), false);
    let latest: PaidCommand | undefined;
    for (const other of this.#active.values())
      if (other.deviceId === command.deviceId && (latest === undefined || other.fromMs >= latest.fromMs))
        latest = other;
    await this.#options.publisher.setRetained(
      topic,
      latest === undefined ? new Uint8Array(0) : onMessage(latest),
    );
    await this.#store.remove(command.escrowId);
    this.counters.off++;
    this.#options.logger.info(
      { device: command.deviceId, escrow: String(command.escrowId) },
      "paid command off",
    );
  }

  async #publish(topic: string, payload: Uint8Array, retain: boolean): Promise<void> {
    try {
      await this.#options.publisher.publish(topic, payload, retain);
    } catch (error) {
      // The schedule stands: "on" is retained again after a restart, "off" is sent when due.
      this.counters.publishFailed++;
      this.#options.logger.warn({ err: error, topic }, "command not published");
    }
  }

  #arm(dueMs: number): void {
    if (this.#stopped || dueMs >= this.#timerDueMs) return;
    clearTimeout(this.#timer);
    this.#timerDueMs = dueMs;
    const delay = Math.min(Math.max(0, dueMs - this.#options.now()), MAX_TIMER_DELAY_MS);
    this.#timer = setTimeout(() => {
      this.#timerDueMs = Number.POSITIVE_INFINITY;
      this.#timer = undefined;
      this.#enqueue(() => this.#expire());
    }, delay);
    this.#timer.unref();
  }

  async #expire(): Promise<void> {
    const now = this.#options.now();
    let next = Number.POSITIVE_INFINITY;
    for (const command of [...this.#active.values()]) {
      if (command.untilMs <= now) await this.#switchOff(command);
      else next = Math.min(next, command.untilMs);
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
  }
}
