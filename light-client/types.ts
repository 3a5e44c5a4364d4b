// Light client data (CometBFT light/ and types/light.go): a signed header with the validator set
// that signed it, trust options and verification options. Durations are nanoseconds (bigint).
import type { Commit, Header, Timestamp } from "../chain/types/block.ts";
import type { ValidatorSet } from "../chain/types/validator-set.ts";
import type { SignatureVerifier, TrustLevel } from "../chain/types/verify-commit.ts";
import { DEFAULT_TRUST_LEVEL } from "../chain/types/verify-commit.ts";

export type { Timestamp } from "../chain/types/block.ts";
export { DEFAULT_TRUST_LEVEL, type TrustLevel } from "../chain/types/verify-commit.ts";

export interface SignedHeader {
  header: Header;
  commit: Commit;
}

/** A signed header and the validator set of its height (types.LightBlock). */
export interface LightBlock {
  signedHeader: SignedHeader;
  validatorSet: ValidatorSet;
}

export const NANOS_PER_SECOND = 1_000_000_000n;
/** light.DefaultMaxClockDrift: how far in the future a header's time may be. */
export const DEFAULT_MAX_CLOCK_DRIFT_NS = 10n * NANOS_PER_SECOND;
/** A default trusting period of two weeks, as CometBFT's examples use; must stay below the time
 * after which a removed authority's key can no longer be held to account. */
export const DEFAULT_TRUSTING_PERIOD_NS = 14n * 24n * 3600n * NANOS_PER_SECOND;

/** What the light client needs to verify headers (all light/verifier.go arguments but `now`). */
export interface VerificationOptions {
  trustingPeriodNs: bigint;
  trustLevel: TrustLevel;
  maxClockDriftNs: bigint;
  /** Signature check; @noble by default (browser), node:crypto may be injected for speed. */
  verifySignature?: SignatureVerifier;
}

/** The root of trust, obtained out of band (light.TrustOptions). Height 1 and its hash = genesis. */
export interface TrustOptions {
  height: bigint;
  hash: Uint8Array;
  trustingPeriodNs?: bigint;
  trustLevel?: TrustLevel;
  maxClockDriftNs?: bigint;
}

export function verificationOptions(
  trust: Omit<TrustOptions, "height" | "hash">,
  verifySignature?: SignatureVerifier,
): VerificationOptions {
  const options: VerificationOptions = {
    trustingPeriodNs: trust.trustingPeriodNs ?? DEFAULT_TRUSTING_PERIOD_NS,
    trustLevel: trust.trustLevel ?? DEFAULT_TRUST_LEVEL,
    maxClockDriftNs: trust.maxClockDriftNs ?? DEFAULT_MAX_CLOCK_DRIFT_NS,
  };
  if (verifySignature !== undefined) options.verifySignature = verifySignature;
  return options;
}

export function heightOf(block: LightBlock): bigint {
  return block.signedHeader.header.height;
}

export function timeOf(block: LightBlock): Timestamp {
  return block.signedHeader.header.time;
}
