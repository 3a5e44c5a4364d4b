// Invariants of the escrow module: the module account holds exactly the open deposits (remaining of
// every escrow not yet refunded) plus the unpaid earnings, denom by denom; every escrow's amounts add
// up and its index entries are present.
import type { Context, Invariant } from "../../chain/app/module.ts";
import { type BalanceReader, moduleBalanceMismatch } from "../module-balance.ts";
import type { EscrowKeeper } from "./keeper.ts";

export type { BalanceReader };

export function escrowInvariants(
  keeper: EscrowKeeper,
  balances: () => BalanceReader | undefined,
): Invariant[] {
  return [
    {
      name: "module-balance",
      async check(ctx: Context) {
        const owed = new Map<string, bigint>();
        const add = (denom: string, amount: bigint) => owed.set(denom, (owed.get(denom) ?? 0n) + amount);
        for await (const escrow of keeper.iterateEscrows(ctx)) add(escrow.denom, escrow.remaining);
        for await (const entry of keeper.iterateEarnings(ctx)) add(entry.denom, entry.amount);
        const reader = balances();
        if (reader === undefined) return undefined;
        return moduleBalanceMismatch(ctx, reader, keeper.moduleAccount, owed, "deposits + earnings");
      },
    },
    {
      name: "escrow-records",
      async check(ctx: Context) {
        for await (const escrow of keeper.iterateEscrows(ctx)) {
          if (escrow.status === "refunded" && escrow.remaining !== 0n)
            return `refunded escrow ${escrow.id} still holds ${escrow.remaining}`;
          if (escrow.status !== "refunded" && escrow.deposited - escrow.released !== escrow.remaining)
            return `escrow ${escrow.id}: deposited ${escrow.deposited} - released ${escrow.released} != remaining ${escrow.remaining}`;
          if (escrow.id >= keeper.nextId(ctx))
            return `escrow ${escrow.id} is not below next id ${keeper.nextId(ctx)}`;
          if (!keeper.hasIndexes(ctx, escrow)) return `escrow ${escrow.id} is missing from an index`;
        }
        return undefined;
      },
    },
  ];
}
