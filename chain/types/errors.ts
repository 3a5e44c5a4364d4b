// Operating errors of chain/types. Each has a stable `code`; callers switch on it, never on messages.

/** Bytes that do not decode to a well-formed block, commit, part or timestamp. */
export class DecodeError extends Error {
  readonly code = "invalid_encoding";
}

/** A timestamp string that is not RFC 3339, or a time outside years 1-9999. */
export class TimestampError extends Error {
  readonly code = "invalid_timestamp";
}

export type CommitErrorCode =
  /** The validator set and commit have different sizes (ErrInvalidCommitSignatures). */
  | "invalid_commit_signatures"
  /** The commit is for another height (ErrInvalidCommitHeight). */
  | "invalid_commit_height"
  /** The commit is for another block ID. */
  | "wrong_block_id"
  /** A CommitSig is malformed (CommitSig.ValidateBasic), or its address is not the set's at that index. */
  | "invalid_commit_sig"
  /** A signature does not verify. */
  | "wrong_signature"
  /** One validator signed twice (trusting verification looks up by address). */
  | "double_vote"
  /** Not more than the needed voting power signed (ErrNotEnoughVotingPowerSigned). */
  | "not_enough_voting_power"
  /** Trust level outside [1/3, 1] or with a zero denominator. */
  | "invalid_trust_level"
  /** An empty validator set. */
  | "invalid_validator_set";

export class CommitVerificationError extends Error {
  readonly code: CommitErrorCode;
  /** Index of the offending signature, when there is one. */
  readonly index: number | undefined;
  /** For not_enough_voting_power: power tallied and power that had to be exceeded. */
  readonly got: bigint | undefined;
  readonly needed: bigint | undefined;

  constructor(
    code: CommitErrorCode,
    message: string,
    details: { index?: number; got?: bigint; needed?: bigint } = {},
  ) {
    super(message);
    this.code = code;
    this.index = details.index;
    this.got = details.got;
    this.needed = details.needed;
  }
}

/** A validator set that breaks CometBFT's rules (bad key, zero power, duplicate, total too large). */
export class ValidatorSetError extends Error {
  readonly code = "invalid_validator_set";
}

/** A block part whose proof does not lead to the part set header's hash, or with a bad index. */
export class PartSetError extends Error {
  readonly code = "invalid_part";
}
