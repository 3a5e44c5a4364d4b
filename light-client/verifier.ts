// Header verification (CometBFT v0.38 light/verifier.go): pure functions of the trusted block, the
// untrusted block, the options and `now`. No clock, no I/O. Every rejection is a LightClientError.
import type { Timestamp } from "../chain/types/block.ts";
import { bytesEqual, toHex } from "../chain/types/bytes.ts";
import { CommitVerificationError } from "../chain/types/errors.ts";
import { headerHash } from "../chain/types/header.ts";
import { compareTimestamps, timestampFromNanos, timestampToNanos } from "../chain/types/time.ts";
import {
  type TrustLevel,
  validateCommitBasic,
  verifyCommitLight,
  verifyCommitLightTrusting,
} from "../chain/types/verify-commit.ts";
import { LightClientError } from "./errors.ts";
import type { LightBlock, SignedHeader, VerificationOptions } from "./types.ts";

/** tmhash.Size: every hash in a header is sha256. */
const HASH_BYTES = 32;

/** light.ValidateTrustLevel: within [1/3, 1]. */
export function validateTrustLevel(level: TrustLevel): void {
  if (
    level.denominator <= 0n ||
    level.numerator * 3n < level.denominator ||
    level.numerator > level.denominator
  )
    throw new LightClientError(
      "invalid_trust_options",
      `trust level ${level.numerator}/${level.denominator} must be within [1/3, 1]`,
    );
}

export function validateVerificationOptions(options: VerificationOptions): void {
  validateTrustLevel(options.trustLevel);
  if (options.trustingPeriodNs <= 0n)
    throw new LightClientError("invalid_trust_options", "trusting period must be positive");
  if (options.maxClockDriftNs < 0n)
    throw new LightClientError("invalid_trust_options", "max clock drift must not be negative");
}

/** HeaderExpired: the trusted header's time + trusting period is not after `now`. */
export function headerExpired(signedHeader: SignedHeader, trustingPeriodNs: bigint, now: Timestamp): boolean {
  const expiration = timestampToNanos(signedHeader.header.time) + trustingPeriodNs;
  return expiration <= timestampToNanos(now);
}

function checkNotExpired(trusted: LightBlock, options: VerificationOptions, now: Timestamp): void {
  if (headerExpired(trusted.signedHeader, options.trustingPeriodNs, now))
    throw new LightClientError(
      "expired_trusted_header",
      `trusted header ${trusted.signedHeader.header.height} expired (time + trusting period <= now)`,
      { height: trusted.signedHeader.header.height },
    );
}

/** SignedHeader.ValidateBasic(chainID): well formed, same chain and height, header hash == block ID. */
export function validateSignedHeader(signedHeader: SignedHeader, chainId: string): void {
  const { header, commit } = signedHeader;
  if (header.chainId !== chainId)
    throw new LightClientError(
      "wrong_chain_id",
      `header is for chain ${JSON.stringify(header.chainId)}, expected ${JSON.stringify(chainId)}`,
    );
  if (header.height <= 0n) throw new LightClientError("invalid_header", "header height must be positive");
  for (const [name, hash] of [
    ["validators_hash", header.validatorsHash],
    ["next_validators_hash", header.nextValidatorsHash],
    ["consensus_hash", header.consensusHash],
  ] as const)
    if (hash.length !== HASH_BYTES)
      throw new LightClientError("invalid_header", `header ${name} must be ${HASH_BYTES} bytes`);
  if (commit.height !== header.height)
    throw new LightClientError(
      "invalid_header",
      `header and commit height mismatch: ${header.height} vs ${commit.height}`,
    );
  try {
    validateCommitBasic(commit);
  } catch (error) {
    throw fromCommitError(error, "insufficient_voting_power");
  }
  const hash = headerHash(header);
  if (!bytesEqual(hash, commit.blockId.hash))
    throw new LightClientError(
      "header_hash_mismatch",
      `header hashes to ${toHex(hash)} but the commit signs block ${toHex(commit.blockId.hash)}`,
      { height: header.height },
    );
}

/** verifyNewHeaderAndVals: checks shared by adjacent and non-adjacent verification. */
export function verifyNewHeaderAndVals(
  untrusted: LightBlock,
  trusted: LightBlock,
  now: Timestamp,
  maxClockDriftNs: bigint,
): void {
  const trustedHeader = trusted.signedHeader.header;
  const header = untrusted.signedHeader.header;
  validateSignedHeader(untrusted.signedHeader, trustedHeader.chainId);
  if (header.height <= trustedHeader.height)
    throw new LightClientError(
      "non_increasing_height",
      `expected new header height ${header.height} to be greater than ${trustedHeader.height}`,
    );
  if (compareTimestamps(header.time, trustedHeader.time) <= 0)
    throw new LightClientError(
      "non_increasing_time",
      `expected new header time to be after the trusted header time (height ${header.height})`,
    );
  const limit = timestampFromNanos(timestampToNanos(now) + maxClockDriftNs);
  if (compareTimestamps(header.time, limit) >= 0)
    throw new LightClientError(
      "beyond_clock_drift",
      `header ${header.height} time is at or beyond now + max clock drift`,
      { height: header.height },
    );
  const validatorsHash = untrusted.validatorSet.hash();
  if (!bytesEqual(header.validatorsHash, validatorsHash))
    throw new LightClientError(
      "validators_hash_mismatch",
      `header ${header.height} validators_hash ${toHex(header.validatorsHash)} != hash of the given set ${toHex(validatorsHash)}`,
      { height: header.height },
    );
}

/** Maps chain/types commit errors onto light-client codes. `powerCode` says which power check ran. */
function fromCommitError(
  error: unknown,
  powerCode: "insufficient_voting_power" | "insufficient_trust",
): unknown {
  if (!(error instanceof CommitVerificationError)) return error;
  const details = { commitError: error.code, got: error.got, needed: error.needed };
  if (error.code === "not_enough_voting_power")
    return new LightClientError(powerCode, error.message, details, { cause: error });
  if (error.code === "wrong_signature")
    return new LightClientError("invalid_signature", error.message, details, { cause: error });
  return new LightClientError("invalid_commit", error.message, details, { cause: error });
}

function commitLight(untrusted: LightBlock, options: VerificationOptions): void {
  const { header, commit } = untrusted.signedHeader;
  try {
    verifyCommitLight(header.chainId, untrusted.validatorSet, commit.blockId, header.height, commit, {
      ...(options.verifySignature === undefined ? {} : { verifySignature: options.verifySignature }),
    });
  } catch (error) {
    throw fromCommitError(error, "insufficient_voting_power");
  }
}

/** VerifyAdjacent (h → h+1): the new set must be the trusted header's next set; >2/3 of it signed. */
export function verifyAdjacent(
  trusted: LightBlock,
  untrusted: LightBlock,
  options: VerificationOptions,
  now: Timestamp,
): void {
  const trustedHeader = trusted.signedHeader.header;
  const header = untrusted.signedHeader.header;
  if (header.height !== trustedHeader.height + 1n)
    throw new LightClientError("non_increasing_height", "headers must be adjacent in height");
  checkNotExpired(trusted, options, now);
  verifyNewHeaderAndVals(untrusted, trusted, now, options.maxClockDriftNs);
  if (!bytesEqual(header.validatorsHash, trustedHeader.nextValidatorsHash))
    throw new LightClientError(
      "validators_hash_mismatch",
      `header ${header.height} validators_hash ${toHex(header.validatorsHash)} != trusted next_validators_hash ${toHex(trustedHeader.nextValidatorsHash)}`,
      { height: header.height },
    );
  commitLight(untrusted, options);
}

/** VerifyNonAdjacent (skipping): more than trustLevel of the trusted set signed, then more than 2/3
 * of the new set. The trusting check comes first: the new set may be made huge to waste our time. */
export function verifyNonAdjacent(
  trusted: LightBlock,
  untrusted: LightBlock,
  options: VerificationOptions,
  now: Timestamp,
): void {
  const trustedHeader = trusted.signedHeader.header;
  const { header, commit } = untrusted.signedHeader;
  if (header.height === trustedHeader.height + 1n)
    throw new LightClientError("non_increasing_height", "headers must be non adjacent in height");
  checkNotExpired(trusted, options, now);
  verifyNewHeaderAndVals(untrusted, trusted, now, options.maxClockDriftNs);
  try {
    verifyCommitLightTrusting(header.chainId, trusted.validatorSet, commit, options.trustLevel, {
      ...(options.verifySignature === undefined ? {} : { verifySignature: options.verifySignature }),
    });
  } catch (error) {
    throw fromCommitError(error, "insufficient_trust");
  }
  commitLight(untrusted, options);
}

/** Verify: adjacent or non-adjacent by height. */
export function verify(
  trusted: LightBlock,
  untrusted: LightBlock,
  options: VerificationOptions,
  now: Timestamp,
): void {
  if (untrusted.signedHeader.header.height === trusted.signedHeader.header.height + 1n)
    verifyAdjacent(trusted, untrusted, options, now);
  else verifyNonAdjacent(trusted, untrusted, options, now);
}

/** VerifyBackwards: an older header is trusted when it hashes to the newer one's last_block_id. */
export function verifyBackwards(untrusted: SignedHeader, trusted: SignedHeader): void {
  const header = untrusted.header;
  const trustedHeader = trusted.header;
  validateSignedHeader(untrusted, trustedHeader.chainId);
  if (header.height + 1n !== trustedHeader.height)
    throw new LightClientError("non_increasing_height", "backwards verification needs the previous height");
  if (compareTimestamps(header.time, trustedHeader.time) >= 0)
    throw new LightClientError("non_increasing_time", `header ${header.height} is not before its successor`);
  if (!bytesEqual(headerHash(header), trustedHeader.lastBlockId.hash))
    throw new LightClientError(
      "header_hash_mismatch",
      `header ${header.height} does not hash to the last_block_id of header ${trustedHeader.height}`,
      { height: header.height },
    );
}

/** The trusted root: the header at the trusted height must hash to the hash given out of band, and
 * more than 2/3 of its own set must have signed it. */
export function verifyTrustedRoot(
  block: LightBlock,
  chainId: string,
  trustedHash: Uint8Array,
  options: VerificationOptions,
): void {
  validateSignedHeader(block.signedHeader, chainId);
  const hash = headerHash(block.signedHeader.header);
  if (!bytesEqual(hash, trustedHash))
    throw new LightClientError(
      "header_hash_mismatch",
      `header ${block.signedHeader.header.height} hashes to ${toHex(hash)}, trusted hash is ${toHex(trustedHash)}`,
    );
  if (!bytesEqual(block.signedHeader.header.validatorsHash, block.validatorSet.hash()))
    throw new LightClientError("validators_hash_mismatch", "trusted header's validator set does not match");
  commitLight(block, options);
}
