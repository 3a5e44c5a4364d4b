// Commit verification (types/validation.go, CometBFT v0.38): full, light and light-trusting. Pure
// functions; signature checking is injectable so a node can use node:crypto while a browser light
// client keeps the @noble default.
import { ed25519 } from "@noble/curves/ed25519.js";
import { type BlockID, BlockIDFlag, type Commit, type CommitSig, type Validator } from "./block.ts";
import { blockIdEquals, isZeroBlockId } from "./block-id.ts";
import { bytesEqual, toHex } from "./bytes.ts";
import { CommitVerificationError } from "./errors.ts";
import { isZeroTime } from "./time.ts";
import type { ValidatorSet } from "./validator-set.ts";
import { VALIDATOR_ADDRESS_BYTES } from "./validator-set.ts";
import { commitVoteSignBytes } from "./vote.ts";

/** types.MaxSignatureSize for ed25519. */
export const MAX_SIGNATURE_BYTES = 64;

export type SignatureVerifier = (
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
) => boolean;

/** @noble ed25519 with ZIP-215 rules, as CometBFT's curve25519-voi verifier uses. Never throws. */
export const verifyEd25519Noble: SignatureVerifier = (signature, message, publicKey) => {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
};

export interface VerifyOptions {
  verifySignature?: SignatureVerifier;
}

/** A fraction of voting power; light clients use 1/3 by default. */
export interface TrustLevel {
  numerator: bigint;
  denominator: bigint;
}
export const DEFAULT_TRUST_LEVEL: TrustLevel = Object.freeze({ numerator: 1n, denominator: 3n });

/** light.ValidateTrustLevel: within [1/3, 1]. */
export function validateTrustLevel(level: TrustLevel): void {
  if (
    level.denominator <= 0n ||
    level.numerator * 3n < level.denominator ||
    level.numerator > level.denominator
  )
    throw new CommitVerificationError(
      "invalid_trust_level",
      `trust level ${level.numerator}/${level.denominator} must be within [1/3, 1]`,
    );
}

/** CommitSig.ValidateBasic. */
export function validateCommitSig(sig: CommitSig, index: number): void {
  const fail = (reason: string) =>
    new CommitVerificationError("invalid_commit_sig", `signature ${index}: ${reason}`, { index });
  switch (sig.blockIdFlag) {
    case BlockIDFlag.absent:
      if (sig.validatorAddress.length !== 0) throw fail("absent signature has a validator address");
      if (!isZeroTime(sig.timestamp)) throw fail("absent signature has a timestamp");
      if (sig.signature.length !== 0) throw fail("absent signature has a signature");
      return;
    case BlockIDFlag.commit:
    case BlockIDFlag.nil:
      if (sig.validatorAddress.length !== VALIDATOR_ADDRESS_BYTES)
        throw fail("validator address must be 20 bytes");
      if (sig.signature.length === 0) throw fail("signature is missing");
      if (sig.signature.length > MAX_SIGNATURE_BYTES) throw fail("signature is too big");
      return;
    default:
      throw fail(`unknown block_id_flag ${sig.blockIdFlag}`);
  }
}

/** Commit.ValidateBasic: well-formed signatures, and a block ID and signatures above height 0. */
export function validateCommitBasic(commit: Commit): void {
  const fail = (reason: string) => new CommitVerificationError("invalid_commit_sig", `commit: ${reason}`);
  if (commit.height < 0n || commit.round < 0) throw fail("negative height or round");
  if (commit.height === 0n) return;
  if (isZeroBlockId(commit.blockId)) throw fail("commit cannot be for a nil block");
  if (commit.signatures.length === 0) throw fail("no signatures in commit");
  commit.signatures.forEach(validateCommitSig);
}

function verifyBasic(validators: ValidatorSet, commit: Commit, height: bigint, blockId: BlockID): void {
  if (validators.size === 0)
    throw new CommitVerificationError("invalid_validator_set", "empty validator set");
  if (validators.size !== commit.signatures.length)
    throw new CommitVerificationError(
      "invalid_commit_signatures",
      `validator set has ${validators.size} validators, commit has ${commit.signatures.length} signatures`,
    );
  if (height !== commit.height)
    throw new CommitVerificationError(
      "invalid_commit_height",
      `commit height ${commit.height}, expected ${height}`,
    );
  if (!blockIdEquals(blockId, commit.blockId))
    throw new CommitVerificationError("wrong_block_id", `commit is for block ${toHex(commit.blockId.hash)}`);
}

interface TallyRules {
  needed: bigint;
  ignore: (sig: CommitSig) => boolean;
  count: (sig: CommitSig) => boolean;
  countAllSignatures: boolean;
  lookUpByIndex: boolean;
}

/** verifyCommitSingle: checks each non-ignored signature and tallies power until it exceeds `needed`. */
function tally(
  chainId: string,
  validators: ValidatorSet,
  commit: Commit,
  rules: TallyRules,
  options: VerifyOptions,
): void {
  const verifySignature = options.verifySignature ?? verifyEd25519Noble;
  const seen = new Set<number>();
  let tallied = 0n;
  for (let index = 0; index < commit.signatures.length; index++) {
    const sig = commit.signatures[index]!;
    if (rules.ignore(sig)) continue;
    validateCommitSig(sig, index);
    let validator: Validator;
    if (rules.lookUpByIndex) {
      validator = validators.validators[index]!;
      // Go trusts the index alone; a mismatched address means the commit was assembled wrongly.
      if (!bytesEqual(validator.address, sig.validatorAddress))
        throw new CommitVerificationError(
          "invalid_commit_sig",
          `signature ${index}: address is not the set's`,
          { index },
        );
    } else {
      const found = validators.getByAddress(sig.validatorAddress);
      if (found === undefined) continue;
      if (seen.has(found.index))
        throw new CommitVerificationError(
          "double_vote",
          `validator ${toHex(sig.validatorAddress)} signed twice`,
          { index },
        );
      seen.add(found.index);
      validator = found.validator;
    }
    if (!verifySignature(sig.signature, commitVoteSignBytes(chainId, commit, index), validator.pubKey))
      throw new CommitVerificationError("wrong_signature", `wrong signature (#${index})`, { index });
    if (rules.count(sig)) tallied += validator.votingPower;
    if (!rules.countAllSignatures && tallied > rules.needed) return;
  }
  if (tallied <= rules.needed)
    throw new CommitVerificationError(
      "not_enough_voting_power",
      `not enough voting power signed: got ${tallied}, needed more than ${rules.needed}`,
      { got: tallied, needed: rules.needed },
    );
}

/** VerifyCommit (full nodes): every non-absent signature must verify; COMMIT power must exceed 2/3. */
export function verifyCommit(
  chainId: string,
  validators: ValidatorSet,
  blockId: BlockID,
  height: bigint,
  commit: Commit,
  options: VerifyOptions = {},
): void {
  verifyBasic(validators, commit, height, blockId);
  tally(
    chainId,
    validators,
    commit,
    {
      needed: (validators.totalVotingPower() * 2n) / 3n,
      ignore: (sig) => sig.blockIdFlag === BlockIDFlag.absent,
      count: (sig) => sig.blockIdFlag === BlockIDFlag.commit,
      countAllSignatures: true,
      lookUpByIndex: true,
    },
    options,
  );
}

/** VerifyCommitLight: only COMMIT signatures are checked, stopping once more than 2/3 have signed
 * (unless countAllSignatures, the VerifyCommitLightAllSignatures variant). */
export function verifyCommitLight(
  chainId: string,
  validators: ValidatorSet,
  blockId: BlockID,
  height: bigint,
  commit: Commit,
  options: VerifyOptions & { countAllSignatures?: boolean } = {},
): void {
  verifyBasic(validators, commit, height, blockId);
  tally(
    chainId,
    validators,
    commit,
    {
      needed: (validators.totalVotingPower() * 2n) / 3n,
      ignore: (sig) => sig.blockIdFlag !== BlockIDFlag.commit,
      count: () => true,
      countAllSignatures: options.countAllSignatures ?? false,
      lookUpByIndex: true,
    },
    options,
  );
}

/** VerifyCommitLightTrusting: more than trustLevel of the (older, trusted) set's power signed this
 * commit. Signers are found by address since the sets differ; unknown signers are skipped. */
export function verifyCommitLightTrusting(
  chainId: string,
  validators: ValidatorSet,
  commit: Commit,
  trustLevel: TrustLevel = DEFAULT_TRUST_LEVEL,
  options: VerifyOptions & { countAllSignatures?: boolean } = {},
): void {
  if (trustLevel.denominator <= 0n || trustLevel.numerator < 0n)
    throw new CommitVerificationError("invalid_trust_level", "trust level denominator must be positive");
  if (validators.size === 0)
    throw new CommitVerificationError("invalid_validator_set", "empty validator set");
  tally(
    chainId,
    validators,
    commit,
    {
      needed: (validators.totalVotingPower() * trustLevel.numerator) / trustLevel.denominator,
      ignore: (sig) => sig.blockIdFlag !== BlockIDFlag.commit,
      count: () => true,
      countAllSignatures: options.countAllSignatures ?? false,
      lookUpByIndex: false,
    },
    options,
  );
}
