// The evidence pool (CometBFT evidence/pool.go, for DuplicateVoteEvidence and, submitted through
// broadcast_evidence, LightClientAttackEvidence: light-attack-evidence.ts): evidence found by
// this node's engine or received by gossip is verified against the validator set and block time *at
// the evidence height* (reference/proofs-lightclient.md §C, VerifyDuplicateVote), kept until a block
// includes it or it expires, offered to proposals, and checked again when a proposal carries it.
// Committed evidence is recorded in LevelDB in the block's own batch (and its newest hashes kept in
// memory) so that it is neither offered nor accepted twice, also after a restart.
import type { Misbehavior } from "../app/abci.ts";
import type { BlockStore } from "../blockstore/types.ts";
import { sha256, toHex } from "../crypto/hash.ts";
import { type BatchOperation, KEYSPACE } from "../db-keyspace.ts";
import { type Database, getSync } from "../store/db.ts";
import type { Timestamp } from "../types/block.ts";
import { DecodeError } from "../types/errors.ts";
import { unwrapEvidence } from "../types/hashes.ts";
import { compareTimestamps, timestampToNanos } from "../types/time.ts";
import { ValidatorSet } from "../types/validator-set.ts";
import { voteSignBytes } from "../types/vote.ts";
import type { ChainState } from "./chain-state.ts";
import {
  AttackEvidenceError,
  attackEvidenceOf,
  attackMisbehavior,
  verifyAttackEvidence,
} from "./light-attack-evidence.ts";
import { verifyEd25519Cached } from "./signature-cache.ts";
import {
  type DuplicateVoteEvidence,
  decodeDuplicateVoteEvidence,
  EvidenceDecodeError,
  type EvidenceDecodeReason,
} from "./tendermint/evidence.ts";

/** Pending evidence held: a byzantine validator yields at most one piece per height/round/type, and
 * a block carries a few; 256 covers many heights of a faulty set, bounded so gossip cannot grow it. */
export const MAX_PENDING_EVIDENCE = 256;
/** Hashes of committed evidence kept in memory (the rest is looked up in LevelDB). */
export const MAX_COMMITTED_EVIDENCE = 10_000;

/** Why the pool refused evidence: stable names for logs, metrics and tests (never match messages). */
export type EvidenceRefusal =
  | EvidenceDecodeReason
  | "height_not_committed"
  | "expired"
  | "height_unknown"
  | "wrong_time"
  | "unknown_validator"
  | "wrong_validator_power"
  | "wrong_total_power"
  | "bad_signature"
  | "duplicate_in_block"
  | "already_committed"
  | "too_large"
  | "invalid_attack"
  | "pool_full";

export class EvidenceError extends Error {
  readonly code = "invalid_evidence";
  readonly reason: EvidenceRefusal;

  constructor(reason: EvidenceRefusal, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface EvidenceLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** What expiry is judged by: the infraction (or common) height and its block time. */
interface EvidenceAge {
  height: bigint;
  timestamp: Timestamp;
}

interface PendingEvidence {
  bytes: Uint8Array;
  evidence: EvidenceAge;
}

type EvidenceBlockStore = Pick<BlockStore, "loadValidators" | "loadBlockMeta"> &
  Partial<Pick<BlockStore, "loadCommit">>;

/** What the block executor needs from a pool. */
export interface EvidenceSource {
  /** Verified evidence for the proposal following `state`, at most `maxBytes` of it in total. */
  pending(state: ChainState, maxBytes: bigint): Uint8Array[];
  /** Throws EvidenceError unless each entry is valid for a block following `state` and not committed. */
  verifyBlockEvidence(state: ChainState, evidence: readonly Uint8Array[]): Promise<void>;
  /** Writes recording `evidence` as committed at `height`, for the block's atomic batch. */
  commitOperations(evidence: readonly Uint8Array[], height: bigint): BatchOperation[];
  /** A block carrying `evidence` was committed; `state` is the state after it. */
  committed(evidence: readonly Uint8Array[], state: ChainState): void;
}

export class EvidencePool implements EvidenceSource {
  readonly #blockStore: EvidenceBlockStore;
  readonly #logger: EvidenceLogger;
  readonly #pending = new Map<string, PendingEvidence>();
  readonly #committed = new Set<string>();
  readonly #db: Database | undefined;

  /** Without `db`, committed evidence is remembered in memory only (tests, simulations). */
  constructor(options: {
    blockStore: EvidenceBlockStore;
    logger: EvidenceLogger;
    db?: Database;
  }) {
    this.#blockStore = options.blockStore;
    this.#logger = options.logger;
    this.#db = options.db;
  }

  #isCommitted(key: string): boolean {
    if (this.#committed.has(key)) return true;
    return this.#db !== undefined && getSync(this.#db, committedEvidenceKey(key)) !== undefined;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Verifies and keeps `bytes` (tendermint.types.Evidence); false if invalid, known or the pool is full. */
  async add(bytes: Uint8Array, state: ChainState): Promise<boolean> {
    let key: string;
    try {
      key = evidenceKey(bytes);
    } catch {
      return false;
    }
    if (this.#pending.has(key) || this.#isCommitted(key)) return false;
    if (this.#pending.size >= MAX_PENDING_EVIDENCE) {
      this.#logger.warn({ pending: this.#pending.size }, "evidence pool full: evidence dropped");
      return false;
    }
    let evidence: EvidenceAge & { log: object };
    try {
      evidence = await this.#verifyAny(bytes, state);
    } catch (error) {
      if (!(error instanceof EvidenceError)) throw error;
      this.#logger.warn({ reason: error.reason, detail: error.message }, "invalid evidence refused");
      return false;
    }
    if (this.#pending.has(key) || this.#isCommitted(key)) return false;
    this.#pending.set(key, { bytes, evidence });
    this.#logger.info(evidence.log, "evidence added to the pool");
    return true;
  }

  /** broadcast_evidence: verifies and keeps `bytes`, or throws EvidenceError saying why not. Known
   * pending evidence is accepted again (CometBFT answers it without error). Returns its hash. */
  async submit(bytes: Uint8Array, state: ChainState): Promise<Uint8Array> {
    let hash: Uint8Array;
    try {
      hash = sha256(unwrapEvidence(bytes));
    } catch (error) {
      if (error instanceof DecodeError) throw new EvidenceError("malformed", error.message);
      throw error;
    }
    const key = toHex(hash);
    if (this.#isCommitted(key)) throw new EvidenceError("already_committed", "evidence already committed");
    if (this.#pending.has(key)) return hash;
    if (this.#pending.size >= MAX_PENDING_EVIDENCE)
      throw new EvidenceError("pool_full", `the evidence pool holds ${MAX_PENDING_EVIDENCE} pieces`);
    const evidence = await this.#verifyAny(bytes, state);
    if (!this.#pending.has(key) && !this.#isCommitted(key)) {
      this.#pending.set(key, { bytes, evidence });
      this.#logger.info(evidence.log, "evidence added to the pool");
    }
    return hash;
  }

  /** Either kind of evidence, verified; its age and what to log. */
  async #verifyAny(bytes: Uint8Array, state: ChainState): Promise<EvidenceAge & { log: object }> {
    const attack = attackEvidenceOf(bytes);
    if (attack === undefined) {
      const evidence = await this.verify(bytes, state);
      return {
        height: evidence.voteA.height,
        timestamp: evidence.timestamp,
        log: {
          height: Number(evidence.voteA.height),
          validator: toHex(evidence.voteA.validatorAddress).toUpperCase(),
        },
      };
    }
    const loadCommit = this.#blockStore.loadCommit;
    if (loadCommit === undefined)
      throw new EvidenceError("invalid_attack", "this pool cannot check light client attacks (no commits)");
    try {
      const verified = await verifyAttackEvidence(attack, state, {
        loadValidators: (h) => this.#blockStore.loadValidators(h),
        loadBlockMeta: (h) => this.#blockStore.loadBlockMeta(h),
        loadCommit: (h) => loadCommit.call(this.#blockStore, h),
      });
      const age = { height: verified.commonHeight, timestamp: verified.timestamp };
      if (isExpired(age, state)) throw new EvidenceError("expired", "evidence expired");
      return {
        ...age,
        log: {
          kind: "light_client_attack",
          commonHeight: Number(verified.commonHeight),
          conflictingHeight: Number(verified.conflictingHeight),
          byzantine: verified.byzantine.map((v) => toHex(v.address).toUpperCase()),
        },
      };
    } catch (error) {
      if (error instanceof AttackEvidenceError) throw new EvidenceError("invalid_attack", error.message);
      throw error;
    }
  }

  pending(state: ChainState, maxBytes: bigint): Uint8Array[] {
    const out: Uint8Array[] = [];
    let total = 0n;
    for (const [key, entry] of this.#pending) {
      if (isExpired(entry.evidence, state)) {
        this.#pending.delete(key);
        continue;
      }
      const size = BigInt(entry.bytes.length);
      if (maxBytes > 0n && total + size > maxBytes) break;
      total += size;
      out.push(entry.bytes);
    }
    return out;
  }

  async verifyBlockEvidence(state: ChainState, evidence: readonly Uint8Array[]): Promise<void> {
    const seen = new Set<string>();
    let total = 0n;
    for (const bytes of evidence) {
      let key: string;
      try {
        key = evidenceKey(bytes);
      } catch (error) {
        // A proposer's garbage is a reason to refuse its block, never to halt (valid(v) is false).
        if (error instanceof DecodeError) throw new EvidenceError("malformed", error.message);
        throw error;
      }
      if (seen.has(key)) throw new EvidenceError("duplicate_in_block", "evidence appears twice in the block");
      seen.add(key);
      if (this.#isCommitted(key)) throw new EvidenceError("already_committed", "evidence already committed");
      total += BigInt(bytes.length);
      // Known and still pending: verified when it was added (the set and time of a past height do not change).
      const known = this.#pending.get(key);
      if (known !== undefined) {
        if (isExpired(known.evidence, state)) throw new EvidenceError("expired", "evidence expired");
        continue;
      }
      await this.#verifyAny(bytes, state);
    }
    const maxBytes = state.consensusParams.evidence.maxBytes;
    if (maxBytes > 0n && total > maxBytes)
      throw new EvidenceError("too_large", `evidence exceeds ${maxBytes} bytes`);
  }

  commitOperations(evidence: readonly Uint8Array[], height: bigint): BatchOperation[] {
    if (this.#db === undefined) return [];
    const value = new Uint8Array(8);
    new DataView(value.buffer).setBigUint64(0, height);
    return evidence.map((bytes) => ({ type: "put", key: committedEvidenceKey(evidenceKey(bytes)), value }));
  }

  committed(evidence: readonly Uint8Array[], state: ChainState): void {
    for (const bytes of evidence) {
      const key = evidenceKey(bytes);
      this.#pending.delete(key);
      if (this.#committed.size >= MAX_COMMITTED_EVIDENCE)
        this.#committed.delete(this.#committed.values().next().value!);
      this.#committed.add(key);
    }
    for (const [key, entry] of this.#pending) if (isExpired(entry.evidence, state)) this.#pending.delete(key);
  }

  /** CometBFT VerifyDuplicateVote with the set at the evidence height, plus the pool's checks: the
   * height is committed and not expired, and the time is that block's time. */
  async verify(bytes: Uint8Array, state: ChainState): Promise<DuplicateVoteEvidence> {
    let evidence: DuplicateVoteEvidence;
    try {
      evidence = decodeDuplicateVoteEvidence(bytes);
    } catch (error) {
      if (error instanceof EvidenceDecodeError) throw new EvidenceError(error.reason, error.message);
      throw error;
    }
    const { voteA, voteB } = evidence;
    const height = voteA.height;
    if (height < state.initialHeight || height > state.lastBlockHeight)
      throw new EvidenceError("height_not_committed", `evidence height ${height} is not a committed height`);
    if (isExpired({ height, timestamp: evidence.timestamp }, state))
      throw new EvidenceError("expired", "evidence expired");
    const [validators, meta] = await Promise.all([
      this.#blockStore.loadValidators(height),
      this.#blockStore.loadBlockMeta(height),
    ]);
    if (validators === undefined || meta === undefined)
      throw new EvidenceError("height_unknown", `no block or validator set at ${height}`);
    if (compareTimestamps(meta.header.time, evidence.timestamp) !== 0)
      throw new EvidenceError("wrong_time", "evidence time is not the block time at its height");
    const set = new ValidatorSet(validators);
    const found = set.getByAddress(voteA.validatorAddress);
    if (found === undefined)
      throw new EvidenceError("unknown_validator", "validator not in the set at the evidence height");
    if (found.validator.votingPower !== evidence.validatorPower)
      throw new EvidenceError("wrong_validator_power", "wrong validator power");
    if (set.totalVotingPower() !== evidence.totalVotingPower)
      throw new EvidenceError("wrong_total_power", "wrong total voting power");
    for (const vote of [voteA, voteB])
      if (!verifyEd25519Cached(vote.signature, voteSignBytes(state.chainId, vote), found.validator.pubKey))
        throw new EvidenceError("bad_signature", "vote signature does not verify");
    return evidence;
  }
}

/** Expired only when both older than MaxAgeNumBlocks blocks and older than MaxAgeDuration (CometBFT). */
function isExpired(evidence: EvidenceAge, state: ChainState): boolean {
  const params = state.consensusParams.evidence;
  const ageBlocks = state.lastBlockHeight - evidence.height;
  const ageNs = timestampToNanos(state.lastBlockTime) - timestampToNanos(evidence.timestamp);
  return ageBlocks > params.maxAgeNumBlocks && ageNs > params.maxAgeDurationNs;
}

function evidenceKey(bytes: Uint8Array): string {
  return toHex(sha256(unwrapEvidence(bytes)));
}

function committedEvidenceKey(hexHash: string): Uint8Array {
  const key = new Uint8Array(33);
  key[0] = KEYSPACE.committedEvidence;
  key.set(Buffer.from(hexHash, "hex"), 1);
  return key;
}

/** FinalizeBlock's view of a block's evidence (abci Misbehavior); evidenceHash = CometBFT Evidence.Hash(). */
export function misbehaviorOf(evidence: readonly Uint8Array[]): Misbehavior[] {
  return evidence.flatMap((bytes): Misbehavior[] => {
    const attack = attackEvidenceOf(bytes);
    if (attack !== undefined) return attackMisbehavior(attack, sha256(unwrapEvidence(bytes)));
    const decoded = decodeDuplicateVoteEvidence(bytes);
    return [
      {
        type: "duplicate_vote",
        validatorAddress: decoded.voteA.validatorAddress,
        validatorPower: decoded.validatorPower,
        height: decoded.voteA.height,
        time: decoded.timestamp,
        totalVotingPower: decoded.totalVotingPower,
        evidenceHash: sha256(unwrapEvidence(bytes)),
      },
    ];
  });
}
