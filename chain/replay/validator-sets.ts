// The validator sets the replayed application says must sign each height: the genesis set (or
// InitChain's own) for the first two heights, then each block's updates from two heights later
// (CometBFT's H+2 rule). Replay compares each with the header's validators_hash.
import type { ValidatorUpdate } from "../app/abci.ts";
import { toHex } from "../crypto/hash.ts";
import type { Validator } from "../types/block.ts";
import { ValidatorSet, validatorAddress } from "../types/validator-set.ts";

/** Applies ABCI validator updates (power 0 removes) to a set. */
export function setFromUpdates(set: ValidatorSet, updates: readonly ValidatorUpdate[]): ValidatorSet {
  if (updates.length === 0) return set;
  const byAddress = new Map<string, Validator>(set.validators.map((v) => [toHex(v.address), v]));
  for (const update of updates) {
    const address = validatorAddress(update.pubKey);
    if (update.power === 0n) byAddress.delete(toHex(address));
    else
      byAddress.set(toHex(address), {
        address,
        pubKey: update.pubKey,
        votingPower: update.power,
        proposerPriority: 0n,
      });
  }
  return new ValidatorSet([...byAddress.values()]);
}

/** Holds at most the sets of the next two heights: each block adds the one two heights on. */
export class ExpectedValidatorSets {
  readonly #byHeight = new Map<bigint, ValidatorSet>();

  constructor(initialHeight: bigint, initial: readonly ValidatorUpdate[]) {
    const first = setFromUpdates(new ValidatorSet([]), initial);
    this.#byHeight.set(initialHeight, first);
    this.#byHeight.set(initialHeight + 1n, first);
  }

  at(height: bigint): ValidatorSet | undefined {
    return this.#byHeight.get(height);
  }

  /** Block `height` executed with `updates`: they take effect at height + 2, on top of the set of
   * height + 1 (or `signingSet`, the one that signed `height`, when none is expected there). */
  executed(height: bigint, updates: readonly ValidatorUpdate[], signingSet: ValidatorSet): void {
    const following = this.#byHeight.get(height + 1n) ?? signingSet;
    this.#byHeight.set(height + 2n, setFromUpdates(following, updates));
    this.#byHeight.delete(height);
  }
}
