import test from "ava";
import {
  highestPriority,
  incrementProposerPriority,
  proposerForRound,
} from "../../chain/consensus/tendermint/proposer.ts";
import type { Validator } from "../../chain/types/block.ts";

function validator(tag: number, power: bigint): Validator {
  return {
    address: new Uint8Array(20).fill(tag),
    pubKey: new Uint8Array(32).fill(tag),
    votingPower: power,
    proposerPriority: 0n,
  };
}
const name = (v: Validator) => String.fromCharCode(64 + v.address[0]!);

function sequence(validators: Validator[], length: number): string[] {
  // NewValidatorSet increments once; each height increments once more (state.updateState).
  let schedule = incrementProposerPriority(validators, 1);
  const out = [name(schedule.proposer)];
  while (out.length < length) {
    schedule = incrementProposerPriority(schedule.validators, 1);
    out.push(name(schedule.proposer));
  }
  return out;
}

test("powers 1,2,3: the hand-computed CometBFT order C B A C B C, repeating", (t) => {
  // A=1, B=2, C=3, total 6, priorities from 0:
  // +power: A1 B2 C3 -> C (C-3) | A2 B4 C0 -> B (B-2) | A3 B0 C3 -> tie, lower address A
  // A-2 B2 C6 -> C (C0) | A-1 B4 C3 -> B (B-2) | A0 B0 C6 -> C (C0): back to all zero.
  const validators = [validator(3, 3n), validator(2, 2n), validator(1, 1n)];
  t.deepEqual(sequence(validators, 12), ["C", "B", "A", "C", "B", "C", "C", "B", "A", "C", "B", "C"]);
});

test("equal powers rotate in address order", (t) => {
  const validators = [1, 2, 3, 4].map((tag) => validator(tag, 10n));
  t.deepEqual(sequence(validators, 8), ["A", "B", "C", "D", "A", "B", "C", "D"]);
});

test("rounds: a copy incremented r times, the height's set untouched", (t) => {
  const schedule = incrementProposerPriority([validator(3, 3n), validator(2, 2n), validator(1, 1n)], 1);
  const before = schedule.validators.map((v) => v.proposerPriority);
  t.is(name(proposerForRound(schedule.validators, schedule.proposer.address, 0)), "C");
  t.is(name(proposerForRound(schedule.validators, schedule.proposer.address, 1)), "B");
  t.is(name(proposerForRound(schedule.validators, schedule.proposer.address, 2)), "A");
  t.deepEqual(
    schedule.validators.map((v) => v.proposerPriority),
    before,
  );
  t.is(name(highestPriority(schedule.validators)), "B");
});

test("property: over long runs each validator proposes in proportion to its power", (t) => {
  let seed = 7;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  for (let trial = 0; trial < 20; trial++) {
    const count = 2 + Math.floor(random() * 6);
    const validators = Array.from({ length: count }, (_, i) =>
      validator(i + 1, BigInt(1 + Math.floor(random() * 50))),
    );
    const total = validators.reduce((sum, v) => sum + v.votingPower, 0n);
    const rounds = Number(total) * 20;
    const counts = new Map<string, number>();
    let schedule = incrementProposerPriority(validators, 1);
    for (let i = 0; i < rounds; i++) {
      counts.set(name(schedule.proposer), (counts.get(name(schedule.proposer)) ?? 0) + 1);
      schedule = incrementProposerPriority(schedule.validators, 1);
    }
    for (const v of validators) {
      const expected = (Number(v.votingPower) * rounds) / Number(total);
      // Weighted round robin is exact per window of `total` increments, up to one slot at the edges.
      t.true(
        Math.abs((counts.get(name(v)) ?? 0) - expected) <= 2,
        `trial ${trial}: ${name(v)} power ${v.votingPower}`,
      );
    }
  }
});

test("priorities are rescaled when their spread exceeds 2 x total power, and centred", (t) => {
  const skewed = [validator(1, 1n), validator(2, 1n)].map((v, i) => ({
    ...v,
    proposerPriority: i === 0 ? 1000n : -1000n,
  }));
  const schedule = incrementProposerPriority(skewed, 1);
  const spread = schedule.validators[0]!.proposerPriority - schedule.validators[1]!.proposerPriority;
  t.true(spread <= 4n + 2n, `spread ${spread}`);
  t.is(name(schedule.proposer), "A");
});
