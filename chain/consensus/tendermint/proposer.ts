// Proposer selection: CometBFT's weighted round robin (types/validator_set.go
// IncrementProposerPriority). Each increment adds every validator's power to its priority, picks the
// highest priority (ties: lower address) as proposer and subtracts the total power from it, so over
// a long run each validator proposes in proportion to its power. Pure functions on copies: a round's
// proposer is found on a copy of the height's set (copy-on-increment), never by mutating the state.
import type { Validator } from "../../types/block.ts";
import { compareBytes } from "../../types/bytes.ts";

/** types.PriorityWindowSizeFactor: priorities are rescaled to stay within 2 x total power. */
export const PRIORITY_WINDOW_SIZE_FACTOR = 2n;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

export interface ProposerSchedule {
  /** Validators in set order with their priorities after the increment. */
  validators: Validator[];
  /** The validator picked by the last increment (ValidatorSet.Proposer). */
  proposer: Validator;
}

function clip(value: bigint): bigint {
  if (value > INT64_MAX) return INT64_MAX;
  if (value < INT64_MIN) return INT64_MIN;
  return value;
}

function totalPower(validators: readonly Validator[]): bigint {
  let total = 0n;
  for (const validator of validators) total += validator.votingPower;
  return total;
}

/** CompareProposerPriority: higher priority first, then lower address. */
function isBetterProposer(candidate: Validator, current: Validator): boolean {
  if (candidate.proposerPriority !== current.proposerPriority)
    return candidate.proposerPriority > current.proposerPriority;
  return compareBytes(candidate.address, current.address) < 0;
}

/** getValWithMostPriority / findProposer: the validator that would propose without incrementing. */
export function highestPriority(validators: readonly Validator[]): Validator {
  let best = validators[0];
  if (best === undefined) throw new RangeError("proposer of an empty validator set");
  for (const validator of validators) if (isBetterProposer(validator, best)) best = validator;
  return best;
}

/** Floor division, as Go's big.Int.Div (Euclidean for a positive divisor) computes the average. */
function floorDiv(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  return a % b !== 0n && a < 0n ? quotient - 1n : quotient;
}

/** RescalePriorities + shiftByAvgProposerPriority, on copies. */
export function rescaleAndCenter(validators: readonly Validator[], total: bigint): Validator[] {
  const diffMax = PRIORITY_WINDOW_SIZE_FACTOR * total;
  let max = INT64_MIN;
  let min = INT64_MAX;
  for (const validator of validators) {
    if (validator.proposerPriority > max) max = validator.proposerPriority;
    if (validator.proposerPriority < min) min = validator.proposerPriority;
  }
  const diff = max - min;
  // Go divides int64s, truncating toward zero; JS bigint division does the same.
  const ratio = (diff + diffMax - 1n) / diffMax;
  let scaled = validators.map((validator) => ({ ...validator }));
  if (diffMax > 0n && diff > diffMax) {
    scaled = scaled.map((validator) => ({
      ...validator,
      proposerPriority: validator.proposerPriority / ratio,
    }));
  }
  let sum = 0n;
  for (const validator of scaled) sum += validator.proposerPriority;
  const average = floorDiv(sum, BigInt(scaled.length));
  return scaled.map((validator) => ({
    ...validator,
    proposerPriority: clip(validator.proposerPriority - average),
  }));
}

/** ValidatorSet.IncrementProposerPriority(times) on a copy of `validators`. */
export function incrementProposerPriority(validators: readonly Validator[], times: number): ProposerSchedule {
  if (validators.length === 0) throw new RangeError("empty validator set");
  if (!Number.isInteger(times) || times <= 0)
    throw new RangeError(`cannot increment priorities ${times} times`);
  const total = totalPower(validators);
  let current = rescaleAndCenter(validators, total);
  let proposer: Validator | undefined;
  for (let i = 0; i < times; i++) {
    current = current.map((validator) => ({
      ...validator,
      proposerPriority: clip(validator.proposerPriority + validator.votingPower),
    }));
    const best = highestPriority(current);
    const picked = { ...best, proposerPriority: clip(best.proposerPriority - total) };
    current = current.map((validator) => (validator === best ? picked : validator));
    proposer = picked;
  }
  return { validators: current, proposer: proposer! };
}

/**
 * The proposer of `round` at a height whose set is `validators` with round-0 proposer `proposer`
 * (CometBFT enterNewRound: a copy of the set incremented `round` times).
 */
export function proposerForRound(
  validators: readonly Validator[],
  roundZeroProposer: Uint8Array | undefined,
  round: number,
): Validator {
  if (round === 0) {
    if (roundZeroProposer !== undefined) {
      const found = validators.find((validator) => compareBytes(validator.address, roundZeroProposer) === 0);
      if (found !== undefined) return found;
    }
    return highestPriority(validators);
  }
  return incrementProposerPriority(validators, round).proposer;
}
