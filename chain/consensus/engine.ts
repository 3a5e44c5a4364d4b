// What the node asks of a consensus engine. The single-validator producer (solo.ts) implements it
// now; the Tendermint BFT engine of the consensus issue implements the same interface and reuses the
// BlockExecutor, which turns a decided block + commit into committed state.
export interface ConsensusEngine {
  start(): Promise<void>;
  /** Finishes the block in progress (never leaves a half-applied block) and stops. */
  stop(): Promise<void>;
}

/** Wall-clock source, injected so tests and simulations control time. */
export interface Clock {
  now(): { seconds: bigint; nanos: number };
}

/** Date.now() shifted by `offsetMs`, with hrtime's sub-millisecond nanoseconds. */
function shiftedNow(offsetMs: number): { seconds: bigint; nanos: number } {
  const ms = Date.now() + offsetMs;
  const ns = process.hrtime.bigint() % 1_000_000n;
  return {
    seconds: BigInt(Math.floor(ms / 1000)),
    nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000 + Number(ns),
  };
}

export const systemClock: Clock = { now: () => shiftedNow(0) };

/** Unix milliseconds of a clock reading (the bridge's wall clock follows the node's). */
export function clockMs(clock: Clock): number {
  const { seconds, nanos } = clock.now();
  return Number(seconds) * 1000 + Math.floor(nanos / 1_000_000);
}

/** Environment knob for end-to-end tests only: shifts this node's wall clock (BFT time, bridge) by
 * this many ms, so a test can live through a UTC midnight. Never set it on a real validator: its
 * proposals would carry a wrong time. */
export const CLOCK_OFFSET_ENV = "SENSORCHAIN_CLOCK_OFFSET_MS";

/** The system clock shifted by `offsetMs`. */
export function offsetClock(offsetMs: number): Clock {
  if (offsetMs === 0) return systemClock;
  return { now: () => shiftedNow(offsetMs) };
}
