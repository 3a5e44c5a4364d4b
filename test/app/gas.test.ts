// GasMeter counts in numbers while it can and in bigint past 2^53: what it reports and where it
// throws must be what plain bigint accounting gives, for any limit and any mix of charges.
import test from "ava";
import { GasMeter, INFINITE_GAS, OutOfGasError } from "../../chain/app/gas.ts";

/** Plain bigint accounting, as the SDK's basicGasMeter. */
function reference(limit: bigint, charges: readonly bigint[]): { consumed: bigint; thrownAt: number } {
  let consumed = 0n;
  for (const [index, amount] of charges.entries()) {
    consumed += amount;
    if (consumed > limit) return { consumed, thrownAt: index };
  }
  return { consumed, thrownAt: -1 };
}

function run(limit: bigint, charges: readonly bigint[], asNumbers: boolean) {
  const meter = new GasMeter(limit);
  for (const [index, amount] of charges.entries()) {
    try {
      if (asNumbers && amount >= 0n && amount <= BigInt(Number.MAX_SAFE_INTEGER))
        meter.consumeGas(Number(amount), "test");
      else meter.consume(amount, "test");
    } catch (error) {
      if (!(error instanceof OutOfGasError)) throw error;
      return { consumed: meter.consumed, thrownAt: index };
    }
  }
  return { consumed: meter.consumed, thrownAt: -1 };
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

test("numbers and bigints give the same consumption and the same out-of-gas point as bigint accounting", (t) => {
  const limits = [0n, 1n, 1000n, 100_000n, SAFE - 1n, SAFE, SAFE + 1n, 2n ** 60n, INFINITE_GAS];
  const amounts = [0n, 1n, 3n, 999n, 1000n, 2000n, 123_456n, SAFE - 5n, SAFE, SAFE + 1n, 2n ** 62n, -7n];
  let seed = 1;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  let cases = 0;
  for (const limit of limits)
    for (let round = 0; round < 60; round++) {
      const charges = Array.from({ length: 1 + random(8) }, () => amounts[random(amounts.length)]!);
      const expected = reference(limit, charges);
      t.deepEqual(run(limit, charges, true), expected, `limit ${limit}, charges ${charges.join(",")}`);
      t.deepEqual(run(limit, charges, false), expected, `limit ${limit}, charges ${charges.join(",")}`);
      cases++;
    }
  t.is(cases, limits.length * 60);
});

test("the out-of-gas error reports the limit and the consumption past it", (t) => {
  const meter = new GasMeter(2500n);
  meter.consumeGas(2000, "WriteFlat");
  const error = t.throws(() => meter.consumeGas(510, "WritePerByte"), { instanceOf: OutOfGasError });
  t.is(error.location, "WritePerByte");
  t.regex(error.message, /gasWanted: 2500, gasUsed: 2510/);
  t.is(meter.consumed, 2510n);
});
