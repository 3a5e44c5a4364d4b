// Failure cases of the market module, codespace "market" (code 1 is reserved, as in SDK modules).
// Address errors use the SDK's root code 7, bank's insufficient funds its root code 5. README.md
// lists every case with the message that raises it.
import { type AbciError, moduleError } from "../../chain/app/errors.ts";

export const MARKET_CODESPACE = "market";

export const MarketCode = {
  invalidListing: { code: 2, description: "invalid listing" },
  invalidAmount: { code: 3, description: "invalid amount" },
  deviceNotFound: { code: 4, description: "device not found" },
  notDeviceOwner: { code: 5, description: "not the device owner" },
  deviceRetired: { code: 6, description: "device is retired" },
  deviceListed: { code: 7, description: "device already has a listing" },
  listingNotFound: { code: 8, description: "listing not found" },
  notSeller: { code: 9, description: "not the seller" },
  listingNotActive: { code: 10, description: "listing is not active" },
  listingDisputed: { code: 11, description: "listing is under dispute" },
  stakeTooLow: { code: 12, description: "stake below the minimum" },
  denomMismatch: { code: 13, description: "wrong denom" },
  invalidGateway: { code: 14, description: "gateway is not a validator operator" },
  invalidPeriods: { code: 15, description: "invalid number of periods" },
  selfDealing: { code: 16, description: "seller cannot buy or challenge its own listing" },
  notBuyer: { code: 17, description: "only buyers of the listing may challenge it" },
  alreadyChallenged: { code: 18, description: "challenger already has an open challenge" },
  invalidReason: { code: 19, description: "invalid challenge reason" },
  notArbiter: { code: 20, description: "not a validator operator" },
  noDispute: { code: 21, description: "listing has no open dispute" },
  alreadyVoted: { code: 22, description: "arbiter already voted" },
  invalidVerdict: { code: 23, description: "invalid verdict" },
  notDelisting: { code: 24, description: "listing is not delisting" },
  cooldownNotOver: { code: 25, description: "delist cooldown not over" },
  sellerNotOwner: { code: 26, description: "seller no longer owns the device" },
  invalidParams: { code: 27, description: "invalid params" },
  grantNotFound: { code: 28, description: "grant not found" },
} as const;
export type MarketCodeName = keyof typeof MarketCode;

export function marketError(name: MarketCodeName, detail?: string): AbciError {
  const { code, description } = MarketCode[name];
  return moduleError(MARKET_CODESPACE, code, description, detail);
}
