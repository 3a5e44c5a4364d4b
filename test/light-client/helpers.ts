// Re-exports for light client tests.
export * from "./harness.ts";
export const NANOS_PER_SECOND_TEST = 1_000_000_000n;
