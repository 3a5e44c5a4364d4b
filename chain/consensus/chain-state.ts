// The consensus-facing state after the last committed block (CometBFT `state.State`): what the next
// block's header must contain. Saved in the node keyspace in the same batch as the block it follows.
import type { BlockID, ConsensusParams, Timestamp, Validator } from "../types/block.ts";

export interface ChainState {
  chainId: string;
  initialHeight: bigint;
  lastBlockHeight: bigint;
  lastBlockId: BlockID;
  lastBlockTime: Timestamp;
  /** Signs block lastBlockHeight + 1. */
  validators: Validator[];
  /** Signs block lastBlockHeight + 2 (validator updates apply at height + 2). */
  nextValidators: Validator[];
  /** Round-0 proposer of `validators` (CometBFT ValidatorSet.Proposer); highest priority when absent. */
  validatorsProposer?: Uint8Array;
  /** Round-0 proposer of `nextValidators`. */
  nextValidatorsProposer?: Uint8Array;
  /** Signed block lastBlockHeight (its commit is in block lastBlockHeight + 1). */
  lastValidators: Validator[];
  consensusParams: ConsensusParams;
  lastResultsHash: Uint8Array;
  /** App hash after block lastBlockHeight: goes into header lastBlockHeight + 1. */
  appHash: Uint8Array;
}

/** 0x30: ChainState as JSON (local metadata, never hashed). */
export const CHAIN_STATE_KEY = new Uint8Array([0x30]);

export function encodeChainState(state: ChainState): Uint8Array {
  return new TextEncoder().encode(
    // The holder's original value, because Buffer.toJSON runs before a replacer sees the value.
    JSON.stringify(state, function (this: Record<string, unknown>, key, value) {
      const original = this[key];
      if (typeof original === "bigint") return { $bigint: original.toString() };
      if (original instanceof Uint8Array) return { $bytes: Buffer.from(original).toString("hex") };
      return value;
    }),
  );
}

export function decodeChainState(bytes: Uint8Array): ChainState {
  return JSON.parse(new TextDecoder().decode(bytes), (_key, value) => {
    if (value !== null && typeof value === "object") {
      if (typeof value.$bigint === "string") return BigInt(value.$bigint);
      if (typeof value.$bytes === "string") return new Uint8Array(Buffer.from(value.$bytes, "hex"));
    }
    return value;
  }) as ChainState;
}
