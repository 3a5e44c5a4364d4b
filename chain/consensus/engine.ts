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

export const systemClock: Clock = {
  now() {
    const ms = Date.now();
    const ns = process.hrtime.bigint() % 1_000_000n;
    return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 + Number(ns) };
  },
};
