// x/bank invariants (x/bank/keeper/invariants.go): total supply equals the sum of all balances,
// and no stored balance is zero or malformed.
import type { Context, Invariant } from "../../chain/app/module.ts";
import type { BankKeeper } from "./keeper.ts";

export function bankInvariants(keeper: BankKeeper): Invariant[] {
  return [
    {
      name: "total-supply",
      async check(ctx: Context) {
        const sums = new Map<string, bigint>();
        for await (const { coin } of keeper.iterateAllBalances(ctx)) {
          if (coin.amount <= 0n) return `non-positive balance of ${coin.denom} stored`;
          sums.set(coin.denom, (sums.get(coin.denom) ?? 0n) + coin.amount);
        }
        const supply = await keeper.getTotalSupply(ctx);
        const broken: string[] = [];
        const denoms = new Set([...sums.keys(), ...supply.map((coin) => coin.denom)]);
        for (const denom of [...denoms].sort()) {
          const total = supply.find((coin) => coin.denom === denom)?.amount ?? 0n;
          const sum = sums.get(denom) ?? 0n;
          if (total !== sum) broken.push(`${denom}: supply ${total}, sum of balances ${sum}`);
        }
        return broken.length === 0
          ? undefined
          : `total supply differs from the sum of balances: ${broken.join("; ")}`;
      },
    },
  ];
}
