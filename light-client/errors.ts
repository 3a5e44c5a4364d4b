// Why the light client refused something. `code` is stable and names the reason; callers switch on
// it, never on the message. Every rejection of a header, commit, proof or response is one of these.

export type LightClientErrorCode =
  /** Not more than 2/3 of the header's own validator set signed its commit (VerifyCommitLight). */
  | "insufficient_voting_power"
  /** Skipping: not more than trustLevel of the trusted set signed (ErrNewValSetCantBeTrusted). */
  | "insufficient_trust"
  /** A commit signature does not verify. */
  | "invalid_signature"
  /** A commit is malformed or for another block ID, height or set size. */
  | "invalid_commit"
  /** The header does not hash to the commit's block ID (a tampered field, e.g. the app hash), or to
   * the trusted hash given out of band, or to the next header's last_block_id. */
  | "header_hash_mismatch"
  /** The header or commit is for another chain. */
  | "wrong_chain_id"
  /** A header or commit that is malformed (missing hashes, header and commit heights differ). */
  | "invalid_header"
  /** The header's time is at or beyond now + max clock drift. */
  | "beyond_clock_drift"
  /** The trusted header is older than the trusting period: nothing can be verified from it. */
  | "expired_trusted_header"
  /** The validator set does not hash to the header's validators_hash, or an adjacent header's
   * validators_hash differs from the trusted next_validators_hash. */
  | "validators_hash_mismatch"
  /** The new header is not above the trusted height. */
  | "non_increasing_height"
  /** The new header's time is not after the trusted header's time. */
  | "non_increasing_time"
  /** Trust options out of range (trust level outside [1/3, 1], non-positive periods). */
  | "invalid_trust_options"
  /** An ICS-23 proof chain does not prove the claimed value under the verified app hash. */
  | "invalid_proof"
  /** The node answered for another height or key than asked. */
  | "proof_height_mismatch"
  /** The node answered the query with an error code. */
  | "query_failed"
  /** The requested height is not available (not produced yet, or pruned). */
  | "height_unavailable"
  /** The node's response does not parse as CometBFT 0.38 JSON. */
  | "malformed_response"
  /** The node could not be reached, timed out or answered HTTP/JSON-RPC errors. */
  | "transport_error"
  /** A witness holds a conflicting, validly signed header: a light client attack (see `forks`). */
  | "fork_detected"
  /** A witness served a header that does not verify; it was dropped. */
  | "faulty_witness"
  /** Bisection needed more steps than MAX_BISECTION_STEPS. */
  | "too_many_steps";

export class LightClientError extends Error {
  readonly code: LightClientErrorCode;
  /** Extra, code-specific data (the underlying error code, heights, fork reports). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: LightClientErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = "LightClientError";
    this.code = code;
    this.details = details;
  }
}
