// ValidatorSet.UpdateWithChangeSet (CometBFT types/validator_set.go): the validator updates of
// FinalizeBlockResponse at height H change the set that signs H+2. Applied to a copy of
// ChainState.nextValidators by the block executor before it increments the proposer priorities.

import type { ValidatorUpdate } from "../app/abci.ts";
import { toHex } from "../crypto/hash.ts";
import type { Validator } from "../types/block.ts";
import { compareValidators, MAX_TOTAL_VOTING_POWER, validatorAddress } from "../types/validator-set.ts";
import { rescaleAndCenter } from "./tendermint/proposer.ts";

export class ValidatorUpdateError extends Error {
  readonly code = "invalid_validator_updates";
}

/** Returns the updated set in set order with CometBFT's proposer priorities: a new validator starts
 * at −1.125 × the total power (so it does not propose at once), then priorities are rescaled and
 * centred. Throws ValidatorUpdateError on duplicates, negative power, removal of an unknown
 * validator, an empty result or a total above MAX_TOTAL_VOTING_POWER (the app broke its contract). */
export function applyValidatorUpdates(
  validators: readonly Validator[],
  updates: readonly ValidatorUpdate[],
): Validator[] {
  if (updates.length === 0) return validators.map((v) => ({ ...v }));
  const byAddress = new Map(validators.map((v) => [toHex(v.address), { ...v }]));
  const seen = new Set<string>();
  const added: Validator[] = [];
  for (const update of updates) {
    if (update.pubKey.length !== 32)
      throw new ValidatorUpdateError("validator update: ed25519 key must be 32 bytes");
    if (update.power < 0n) throw new ValidatorUpdateError("validator update: negative power");
    const address = validatorAddress(update.pubKey);
    const key = toHex(address);
    if (seen.has(key)) throw new ValidatorUpdateError(`validator update: ${key} appears twice`);
    seen.add(key);
    const existing = byAddress.get(key);
    if (update.power === 0n) {
      if (existing === undefined)
        throw new ValidatorUpdateError(`validator update: cannot remove unknown validator ${key}`);
      byAddress.delete(key);
    } else if (existing !== undefined) existing.votingPower = update.power;
    else {
      const validator = { address, pubKey: update.pubKey, votingPower: update.power, proposerPriority: 0n };
      byAddress.set(key, validator);
      added.push(validator);
    }
  }
  const result = [...byAddress.values()];
  if (result.length === 0) throw new ValidatorUpdateError("validator updates would leave an empty set");
  const total = result.reduce((sum, v) => sum + v.votingPower, 0n);
  if (total > MAX_TOTAL_VOTING_POWER)
    throw new ValidatorUpdateError(`total voting power ${total} above the maximum`);
  // CometBFT computes this over the set after updates and before removals; removals only lower the
  // start priority of new validators, which matters little and keeps this a single pass.
  for (const validator of added) validator.proposerPriority = -(total + (total >> 3n));
  return rescaleAndCenter(result, total).sort(compareValidators);
}
