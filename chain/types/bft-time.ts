// BFT time (CometBFT v0.38 state.MedianTime): a block's time is the voting-power-weighted median of
// the timestamps in its last commit, so no minority of validators can move it.
import { BlockIDFlag, type Commit, type Timestamp } from "./block.ts";
import { compareTimestamps } from "./time.ts";
import type { ValidatorSet } from "./validator-set.ts";

/** `validators` is the set that signed `commit` (the previous height's set). */
export function medianTime(commit: Commit, validators: ValidatorSet): Timestamp {
  const weighted: { time: Timestamp; weight: bigint }[] = [];
  let total = 0n;
  for (const sig of commit.signatures) {
    if (sig.blockIdFlag === BlockIDFlag.absent) continue;
    const found = validators.getByAddress(sig.validatorAddress);
    if (found === undefined) continue;
    total += found.validator.votingPower;
    weighted.push({ time: sig.timestamp, weight: found.validator.votingPower });
  }
  if (weighted.length === 0) throw new RangeError("median time of a commit without known signers");
  weighted.sort((a, b) => compareTimestamps(a.time, b.time));
  // cmttime.WeightedMedian: walk up the sorted times until half the power is covered.
  let median = total / 2n;
  for (const entry of weighted) {
    if (median <= entry.weight) return entry.time;
    median -= entry.weight;
  }
  return weighted[weighted.length - 1]!.time;
}
