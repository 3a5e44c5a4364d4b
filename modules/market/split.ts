// Pure integer arithmetic of the market's payouts (README.md, "Payouts"). Purchases use the
// consortium's payout rule shared with escrow releases (chain/app/coins.ts splitByBasisPoints).
import { splitByBasisPoints } from "../../chain/app/coins.ts";
import { BPS_DENOMINATOR } from "./keys.ts";

/** A purchase of `amount`: gateway and platform get floor(amount × bps / 10,000) each; the seller
 * gets the rest, so rounding dust always goes to the seller and the three parts sum to `amount`. */
export function splitPurchase(
  amount: bigint,
  gatewayBps: bigint,
  platformBps: bigint,
): { seller: bigint; gateway: bigint; platform: bigint } {
  const { main, gateway, platform } = splitByBasisPoints(amount, gatewayBps, platformBps);
  return { seller: main, gateway, platform };
}

/** A forfeited stake shared among winners by weight: the platform gets floor(pot × bps / 10,000);
 * winner i gets floor(rest × weight_i / Σweights), in the order given; the dust left by the floors
 * (less than one unit per winner) goes to the platform too. Parts sum to `pot`. */
export function splitForfeit(
  pot: bigint,
  weights: readonly bigint[],
  platformBps: bigint,
): { platform: bigint; winners: bigint[] } {
  let platform = (pot * platformBps) / BPS_DENOMINATOR;
  const rest = pot - platform;
  const total = weights.reduce((sum, weight) => sum + weight, 0n);
  if (total === 0n) return { platform: pot, winners: weights.map(() => 0n) };
  const winners = weights.map((weight) => (rest * weight) / total);
  platform += rest - winners.reduce((sum, share) => sum + share, 0n);
  return { platform, winners };
}
