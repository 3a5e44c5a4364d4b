// What only the consortium authority (genesis `authority`) may do: change the split and spend the
// platform pool (README.md, Messages).
import { type Coin, formatCoins } from "../../chain/app/coins.ts";
import type { Context } from "../../chain/app/module.ts";
import type { EscrowParams } from "./codec.ts";
import { escrowError } from "./errors.ts";
import type { EscrowDependencies } from "./keeper.ts";
import { loadAuthority, platformPoolAccount, saveParams } from "./state.ts";
import { EVENT_ESCROW_PARAMS_UPDATED, EVENT_PLATFORM_POOL_SPENT } from "./type-urls.ts";

function checkAuthority(ctx: Context, authority: string): void {
  const expected = loadAuthority(ctx);
  if (expected === undefined || authority !== expected)
    throw escrowError("invalidAuthority", `expected ${expected ?? "(none)"}, got ${authority}`);
}

export function updateParams(ctx: Context, authority: string, params: EscrowParams): void {
  checkAuthority(ctx, authority);
  saveParams(ctx, params);
  ctx.events.emit(EVENT_ESCROW_PARAMS_UPDATED, {
    authority,
    owner_bps: params.ownerBps.toString(),
    gateway_bps: params.gatewayBps.toString(),
    platform_bps: params.platformBps.toString(),
  });
}

export function spendPlatformPool(
  ctx: Context,
  deps: EscrowDependencies,
  authority: string,
  recipient: string,
  coins: Coin[],
): void {
  checkAuthority(ctx, authority);
  deps.bank.sendCoins(ctx, platformPoolAccount(), recipient, coins);
  ctx.events.emit(EVENT_PLATFORM_POOL_SPENT, { authority, recipient, amount: formatCoins(coins) });
}
