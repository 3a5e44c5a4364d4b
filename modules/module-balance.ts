// The module-balance invariant of the modules that hold coins for others (escrow, market): the module
// account holds exactly what the module owes, denom by denom.
import type { Coin } from "../chain/app/coins.ts";
import type { Context } from "../chain/app/module.ts";

/** What the balance invariant reads from bank (BankKeeper has it; the narrow send keeper does not). */
export interface BalanceReader {
  getAllBalances(ctx: Context, address: string): Promise<Coin[]>;
}

/** undefined when `moduleAccount` holds exactly `owed` (amounts by denom), else each denom that
 * differs, as `<denom>: module holds <have>, <owedName> <want>`. */
export async function moduleBalanceMismatch(
  ctx: Context,
  reader: BalanceReader,
  moduleAccount: string,
  owed: ReadonlyMap<string, bigint>,
  owedName: string,
): Promise<string | undefined> {
  const held = new Map((await reader.getAllBalances(ctx, moduleAccount)).map((c) => [c.denom, c.amount]));
  const broken: string[] = [];
  for (const denom of [...new Set([...owed.keys(), ...held.keys()])].sort()) {
    const want = owed.get(denom) ?? 0n;
    const have = held.get(denom) ?? 0n;
    if (want !== have) broken.push(`${denom}: module holds ${have}, ${owedName} ${want}`);
  }
  return broken.length === 0 ? undefined : broken.join("; ");
}
