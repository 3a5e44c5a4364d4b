// The light client (CometBFT light/client.go): from a trusted root, verifies headers sequentially or
// by skipping with bisection, keeps the trusted blocks in a bounded store, and cross-checks every new
// trusted height against witnesses (detector.ts). `now` is always an argument: no clock reads here.
import type { Timestamp } from "../chain/types/block.ts";
import { bytesEqual } from "../chain/types/bytes.ts";
import { headerHash } from "../chain/types/header.ts";
import type { SignatureVerifier } from "../chain/types/verify-commit.ts";
import { fetchLightBlock, verifySequential, verifySkipping } from "./bisection.ts";
import { type DetectionReport, detectForks } from "./detector.ts";
import { LightClientError } from "./errors.ts";
import { validatorSetFrom } from "./json.ts";
import { DEFAULT_MAX_TRUSTED_BLOCKS, type LightStore, MemoryLightStore } from "./store.ts";
import type { LightTransport } from "./transport.ts";
import {
  heightOf,
  type LightBlock,
  type TrustOptions,
  type VerificationOptions,
  verificationOptions,
} from "./types.ts";
import {
  headerExpired,
  validateVerificationOptions,
  verifyBackwards,
  verifyTrustedRoot,
} from "./verifier.ts";

export type { VerificationMode } from "./bisection.ts";

import type { VerificationMode } from "./bisection.ts";

/** Headers a backwards walk may fetch; older heights should be reached from a new trusted root. */
export const MAX_BACKWARDS_HEADERS = 10_000;

export interface LightClientConfig {
  chainId: string;
  primary: LightTransport;
  witnesses?: LightTransport[];
  store?: LightStore;
  trust: TrustOptions;
  /** Default "skipping". */
  mode?: VerificationMode;
  verifySignature?: SignatureVerifier;
}

export interface VerificationResult {
  block: LightBlock;
  /** Blocks verified on the way, starting with the trusted block they were verified from. Empty
   * when the height was already trusted. */
  trace: LightBlock[];
  /** Witness findings (faulty witnesses that were dropped); attacks throw `fork_detected`. */
  reports: DetectionReport[];
}

export class LightClient {
  readonly chainId: string;
  readonly primary: LightTransport;
  readonly options: VerificationOptions;
  readonly mode: VerificationMode;
  readonly store: LightStore;
  #witnesses: LightTransport[];
  readonly #trust: TrustOptions;

  constructor(config: LightClientConfig) {
    this.chainId = config.chainId;
    this.primary = config.primary;
    this.#witnesses = [...(config.witnesses ?? [])];
    this.store = config.store ?? new MemoryLightStore(DEFAULT_MAX_TRUSTED_BLOCKS);
    this.#trust = config.trust;
    this.mode = config.mode ?? "skipping";
    this.options = verificationOptions(config.trust, config.verifySignature);
    validateVerificationOptions(this.options);
    if (config.trust.height <= 0n)
      throw new LightClientError("invalid_trust_options", "trusted height must be positive");
  }

  /** Builds a client and establishes the trusted root. */
  static async create(config: LightClientConfig, now: Timestamp): Promise<LightClient> {
    const client = new LightClient(config);
    await client.initialize(now);
    return client;
  }

  get witnesses(): readonly LightTransport[] {
    return this.#witnesses;
  }

  /** Establishes the root: the stored latest block if any (its hash must match the trust options
   * when it is the trusted height), else the primary's block at the trusted height. */
  async initialize(now: Timestamp): Promise<LightBlock> {
    const stored = await this.store.get(this.#trust.height);
    if (stored !== undefined && !bytesEqual(headerHash(stored.signedHeader.header), this.#trust.hash))
      throw new LightClientError(
        "header_hash_mismatch",
        "the stored header at the trusted height has another hash",
      );
    const latest = await this.store.latest();
    if (latest !== undefined) return latest;
    const root = await fetchLightBlock(this.primary, this.#trust.height);
    verifyTrustedRoot(root, this.chainId, this.#trust.hash, this.options);
    if (headerExpired(root.signedHeader, this.options.trustingPeriodNs, now))
      throw new LightClientError(
        "expired_trusted_header",
        `trusted header ${this.#trust.height} is already expired`,
      );
    await this.store.save(root);
    return root;
  }

  async latestTrusted(): Promise<LightBlock> {
    const latest = await this.store.latest();
    if (latest === undefined)
      throw new LightClientError("invalid_trust_options", "light client is not initialized");
    return latest;
  }

  /** Verifies the primary's latest header. */
  async update(now: Timestamp): Promise<VerificationResult> {
    const target = await fetchLightBlock(this.primary);
    return this.#verifyTarget(target, now);
  }

  /** The trusted block at `height`: from the store, verified forward from the latest trusted block,
   * or (below it) backwards through last_block_id hashes. */
  async verifyToHeight(height: bigint, now: Timestamp): Promise<VerificationResult> {
    if (height <= 0n)
      throw new LightClientError("height_unavailable", `height must be positive, got ${height}`);
    const stored = await this.store.get(height);
    if (stored !== undefined) return { block: stored, trace: [], reports: [] };
    const latest = await this.latestTrusted();
    if (height < heightOf(latest)) return this.#verifyBackwards(height);
    return this.#verifyTarget(await fetchLightBlock(this.primary, height), now);
  }

  async #verifyTarget(target: LightBlock, now: Timestamp): Promise<VerificationResult> {
    const height = heightOf(target);
    const stored = await this.store.get(height);
    if (stored !== undefined) {
      if (!bytesEqual(headerHash(stored.signedHeader.header), headerHash(target.signedHeader.header)))
        throw new LightClientError(
          "header_hash_mismatch",
          `primary now serves another header at trusted height ${height}`,
        );
      return { block: stored, trace: [], reports: [] };
    }
    const trusted = await this.store.below(height);
    if (trusted === undefined) return this.#verifyBackwards(height);
    const trace =
      this.mode === "sequential"
        ? await verifySequential(this.primary, trusted, target, this.options, now)
        : await verifySkipping(this.primary, trusted, target, this.options, now);
    const reports = await this.#detect(trace, now);
    for (const block of trace.slice(1)) await this.store.save(block);
    return { block: target, trace, reports };
  }

  async #detect(trace: LightBlock[], now: Timestamp): Promise<DetectionReport[]> {
    if (this.#witnesses.length === 0) return [];
    const reports = await detectForks(this.primary, this.#witnesses, trace, this.options, now);
    const faulty = new Set(reports.filter((r) => r.kind === "faulty_witness").map((r) => r.witness));
    this.#witnesses = this.#witnesses.filter((witness) => !faulty.has(witness.name));
    const attacks = reports.filter((report) => report.kind === "attack");
    if (attacks.length > 0)
      throw new LightClientError(
        "fork_detected",
        `witness(es) ${attacks.map((a) => a.witness).join(", ")} hold a conflicting header at height ${heightOf(trace.at(-1)!)}`,
        { reports },
      );
    return reports;
  }

  async #verifyBackwards(height: bigint): Promise<VerificationResult> {
    let newer = await this.store.above(height);
    if (newer === undefined)
      throw new LightClientError("height_unavailable", `no trusted block above ${height}`);
    if (heightOf(newer) - height > BigInt(MAX_BACKWARDS_HEADERS))
      throw new LightClientError(
        "height_unavailable",
        `height ${height} is too far below the trusted blocks`,
      );
    let current = newer.signedHeader;
    for (let h = heightOf(newer) - 1n; h >= height; h--) {
      const signedHeader = await this.primary.signedHeader(h);
      verifyBackwards(signedHeader, current);
      current = signedHeader;
    }
    const validatorSet = validatorSetFrom(await this.primary.validators(height));
    if (!bytesEqual(validatorSet.hash(), current.header.validatorsHash))
      throw new LightClientError(
        "validators_hash_mismatch",
        `validator set of height ${height} does not match its header`,
      );
    const block: LightBlock = { signedHeader: current, validatorSet };
    await this.store.save(block);
    newer = block;
    return { block, trace: [], reports: [] };
  }
}
