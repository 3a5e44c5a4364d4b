// Builds CometBFT-shaped chains with known ed25519 keys for light client tests and benchmarks:
// real header hashes, last_block_id / last_commit_hash chaining, signed commits with chosen absent
// and nil votes, validator set changes at chosen heights, and conflicting (forked) headers signed by
// a chosen coalition. Signing uses node:crypto (test-only code).
import type { LightClientAttackEvidence } from "cosmjs-types/tendermint/types/evidence";
import { Ed25519Signer } from "../../chain/crypto/ed25519.ts";
import {
  type BlockID,
  BlockIDFlag,
  type Commit,
  type CommitSig,
  type Header,
  SignedMsgType,
  type Timestamp,
  type Validator,
} from "../../chain/types/block.ts";
import { emptyBlockId } from "../../chain/types/block-id.ts";
import { sha256, toHex } from "../../chain/types/bytes.ts";
import { commitHash } from "../../chain/types/hashes.ts";
import { headerHash } from "../../chain/types/header.ts";
import { GO_ZERO_TIME } from "../../chain/types/time.ts";
import { ValidatorSet } from "../../chain/types/validator-set.ts";
import { voteSignBytes } from "../../chain/types/vote.ts";
import { LightClientError } from "../../light-client/errors.ts";
import type {
  AbciQueryRequest,
  AbciQueryResult,
  LightTransport,
  NodeStatus,
} from "../../light-client/transport.ts";
import type { LightBlock, SignedHeader } from "../../light-client/types.ts";

const utf8 = new TextEncoder();
export const GENESIS_SECONDS = 1_700_000_000n;
/** Block interval of harness chains, seconds. */
export const BLOCK_SECONDS = 5n;

export interface HarnessValidator {
  name: string;
  signer: Ed25519Signer;
  power: bigint;
}

export function makeKeys(count: number, prefix = "validator"): Ed25519Signer[] {
  return Array.from({ length: count }, (_, i) => new Ed25519Signer(sha256(utf8.encode(`${prefix}-${i}`))));
}

export function setOf(signers: readonly Ed25519Signer[], powers?: readonly bigint[]): ValidatorSet {
  return ValidatorSet.fromPubKeys(
    signers.map((s, i) => ({ pubKey: s.publicKey, votingPower: powers?.[i] ?? 10n })),
  );
}

export function timeAt(height: bigint): Timestamp {
  return { seconds: GENESIS_SECONDS + height * BLOCK_SECONDS, nanos: 0 };
}

/** `seconds` after the block time of `height`. */
export function nowAfter(height: bigint, seconds = 1n): Timestamp {
  return { seconds: timeAt(height).seconds + seconds, nanos: 0 };
}

export type VoteChoice = "commit" | "nil" | "absent";

export interface ChainSpec {
  chainId: string;
  length: number;
  /** Signers (with powers) of height h. */
  validatorsAt: (height: bigint) => { signers: Ed25519Signer[]; powers?: bigint[] };
  /** How validator `index` (set order) votes at `height`; default commit. */
  vote?: (height: bigint, index: number) => VoteChoice;
  appHashAt?: (height: bigint) => Uint8Array;
}

export class HarnessChain {
  readonly chainId: string;
  readonly blocks = new Map<bigint, LightBlock>();
  readonly signers = new Map<string, Ed25519Signer>();

  constructor(spec: ChainSpec) {
    this.chainId = spec.chainId;
    let lastBlockId: BlockID = emptyBlockId();
    let lastCommit: Commit | undefined;
    for (let h = 1n; h <= BigInt(spec.length); h++) {
      const current = spec.validatorsAt(h);
      const next = spec.validatorsAt(h + 1n);
      for (const s of [...current.signers, ...next.signers]) this.signers.set(toHex(s.address), s);
      const set = setOf(current.signers, current.powers);
      const header: Header = {
        version: { block: 11n, app: 0n },
        chainId: spec.chainId,
        height: h,
        time: timeAt(h),
        lastBlockId,
        lastCommitHash: lastCommit === undefined ? new Uint8Array(0) : commitHash(lastCommit),
        dataHash: sha256(new Uint8Array(0)),
        validatorsHash: set.hash(),
        nextValidatorsHash: setOf(next.signers, next.powers).hash(),
        consensusHash: sha256(utf8.encode("consensus")),
        appHash: spec.appHashAt?.(h) ?? sha256(utf8.encode(`app-${h}`)),
        lastResultsHash: sha256(new Uint8Array(0)),
        evidenceHash: sha256(new Uint8Array(0)),
        proposerAddress: set.validators[0]!.address,
      };
      const commit = this.sign(header, set, (index) => spec.vote?.(h, index) ?? "commit");
      this.blocks.set(h, { signedHeader: { header, commit }, validatorSet: set });
      lastBlockId = commit.blockId;
      lastCommit = commit;
    }
  }

  /** Signs `header` with `set`; `choose` decides each validator's vote (set order). */
  sign(header: Header, set: ValidatorSet, choose: (index: number) => VoteChoice, round = 0): Commit {
    const blockId: BlockID = {
      hash: headerHash(header),
      partSetHeader: { total: 1, hash: sha256(utf8.encode(`parts-${toHex(headerHash(header))}`)) },
    };
    const signatures: CommitSig[] = set.validators.map((validator: Validator, index) => {
      const choice = choose(index);
      if (choice === "absent")
        return {
          blockIdFlag: BlockIDFlag.absent,
          validatorAddress: new Uint8Array(0),
          timestamp: GO_ZERO_TIME,
          signature: new Uint8Array(0),
        };
      const signer = this.signers.get(toHex(validator.address));
      if (signer === undefined) throw new Error(`no key for validator ${toHex(validator.address)}`);
      const timestamp = { seconds: header.time.seconds + 1n, nanos: index };
      const flag = choice === "commit" ? BlockIDFlag.commit : BlockIDFlag.nil;
      const message = voteSignBytes(header.chainId, {
        type: SignedMsgType.precommit,
        height: header.height,
        round,
        blockId: choice === "commit" ? blockId : emptyBlockId(),
        timestamp,
      });
      return {
        blockIdFlag: flag,
        validatorAddress: validator.address,
        timestamp,
        signature: signer.sign(message),
      };
    });
    return { height: header.height, round, blockId, signatures };
  }

  block(height: bigint): LightBlock {
    const block = this.blocks.get(height);
    if (block === undefined) throw new Error(`no block ${height}`);
    return block;
  }

  get height(): bigint {
    return BigInt(this.blocks.size);
  }

  /** A copy of this chain whose headers from `fromHeight` on carry another app hash and are signed
   * by `coalition` (set indexes) — a lunatic fork. Later headers chain onto the forked ones. */
  fork(fromHeight: bigint, coalition: (height: bigint, index: number) => boolean): HarnessChain {
    const forked = Object.create(HarnessChain.prototype) as HarnessChain;
    Object.assign(forked, { chainId: this.chainId, blocks: new Map(this.blocks), signers: this.signers });
    let lastBlockId =
      fromHeight > 1n ? this.block(fromHeight - 1n).signedHeader.commit.blockId : emptyBlockId();
    let lastCommit = fromHeight > 1n ? this.block(fromHeight - 1n).signedHeader.commit : undefined;
    for (let h = fromHeight; h <= this.height; h++) {
      const original = this.block(h);
      const header: Header = {
        ...original.signedHeader.header,
        lastBlockId,
        lastCommitHash: lastCommit === undefined ? new Uint8Array(0) : commitHash(lastCommit),
        appHash: sha256(utf8.encode(`forged-app-${h}`)),
      };
      const commit = forked.sign(header, original.validatorSet, (index) =>
        coalition(h, index) ? "commit" : "absent",
      );
      forked.blocks.set(h, { signedHeader: { header, commit }, validatorSet: original.validatorSet });
      lastBlockId = commit.blockId;
      lastCommit = commit;
    }
    return forked;
  }
}

/** A node serving a harness chain. Records what it was asked and the evidence it was sent. */
export class ChainTransport implements LightTransport {
  readonly name: string;
  readonly evidence: LightClientAttackEvidence[] = [];
  readonly requestedHeights: bigint[] = [];
  chain: HarnessChain;
  /** The highest height this node admits to having (defaults to the chain's). */
  latest: bigint;
  /** Rewrites a served block (to lie); identity by default. */
  tamper: (block: LightBlock) => LightBlock = (block) => block;

  constructor(name: string, chain: HarnessChain) {
    this.name = name;
    this.chain = chain;
    this.latest = chain.height;
  }

  #get(height: bigint | undefined): LightBlock {
    const h = height ?? this.latest;
    if (h > this.latest || h < 1n)
      throw new LightClientError("height_unavailable", `${this.name} has no height ${h}`);
    return this.tamper(this.chain.block(h));
  }

  async signedHeader(height?: bigint): Promise<SignedHeader> {
    if (height !== undefined) this.requestedHeights.push(height);
    return this.#get(height).signedHeader;
  }

  async validators(height: bigint): Promise<Validator[]> {
    return [...this.#get(height).validatorSet.validators];
  }

  async abciQuery(_request: AbciQueryRequest): Promise<AbciQueryResult> {
    throw new LightClientError("query_failed", "harness nodes hold no state");
  }

  async status(): Promise<NodeStatus> {
    return { chainId: this.chain.chainId, latestHeight: this.latest };
  }

  async broadcastEvidence(evidence: LightClientAttackEvidence): Promise<void> {
    this.evidence.push(evidence);
  }
}

/** Clones a light block with header fields changed (the commit is left as it was signed). */
export function withHeader(block: LightBlock, change: Partial<Header>): LightBlock {
  return {
    ...block,
    signedHeader: { ...block.signedHeader, header: { ...block.signedHeader.header, ...change } },
  };
}
