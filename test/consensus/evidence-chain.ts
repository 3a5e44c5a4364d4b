// A small real chain for the evidence pool tests: LevelDB in a temp dir, the real block store,
// BlockExecutor and EvidencePool, four validators with ed25519 keys whose commits are really signed,
// and duplicate votes signed over voteSignBytes. The application is the smallest one that commits the
// executor's batch into the same LevelDB (its own state is not what these tests are about); it adds a
// fifth validator at height 1, so the set signs heights 1-2 with four and 3+ with five validators.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import type {
  Application,
  BlockRequest,
  CommitRequest,
  FinalizeBlockResponse,
  PrepareProposalRequest,
} from "../../chain/app/abci.ts";
import { openBlockStore } from "../../chain/blockstore/open.ts";
import type { BlockStoreImpl } from "../../chain/blockstore/store.ts";
import { BlockExecutor } from "../../chain/consensus/block-executor.ts";
import type { ChainState } from "../../chain/consensus/chain-state.ts";
import { EvidencePool } from "../../chain/consensus/evidence-pool.ts";
import { genesisChainState } from "../../chain/consensus/genesis-state.ts";
import { encodeEvidence, makeDuplicateVoteEvidence } from "../../chain/consensus/tendermint/evidence.ts";
import { Ed25519Signer } from "../../chain/crypto/ed25519.ts";
import { sha256 } from "../../chain/crypto/hash.ts";
import { Mempool } from "../../chain/mempool/mempool.ts";
import { type Database, DB_OPTIONS, writeBatch } from "../../chain/store/db.ts";
import { medianTime } from "../../chain/types/bft-time.ts";
import {
  type Block,
  type BlockID,
  BlockIDFlag,
  type Commit,
  SignedMsgType,
  type Timestamp,
  type Vote,
} from "../../chain/types/block.ts";
import { ValidatorSet } from "../../chain/types/validator-set.ts";
import { commitVoteSignBytes, voteSignBytes } from "../../chain/types/vote.ts";
import { Mutex } from "../../chain/util/mutex.ts";
import type { Genesis } from "../../genesis/types.ts";

export const CHAIN_ID = "evidence-test-1";
export const GENESIS_TIME: Timestamp = { seconds: 1_700_000_000n, nanos: 0 };
/** Validator power; the set at heights 1-2 has 4 × 10, from height 3 on 5 × 10. */
export const POWER = 10n;
/** Heights after which the test chain's evidence expires unless it is also older than the duration. */
export const MAX_AGE_BLOCKS = 100n;
export const MAX_AGE_NS = 3_600_000_000_000n;

const encoder = new TextEncoder();
export const signers = [0, 1, 2, 3].map((i) => new Ed25519Signer(sha256(encoder.encode(`evidence ${i}`))));
/** Added by the application at height 1: a validator from height 3 on. */
export const joiner = new Ed25519Signer(sha256(encoder.encode("evidence joiner")));

/** The smallest application the executor can drive: no txs, app hash = sha256(height), commits the
 * executor's operations (block, commit, chain state, committed evidence) in one LevelDB batch. */
class BatchApplication implements Application {
  readonly #db: Database;
  misbehaviorSeen = 0;

  constructor(db: Database) {
    this.#db = db;
  }
  info(): never {
    throw new Error("not used");
  }
  initChain(): never {
    throw new Error("not used");
  }
  query(): never {
    throw new Error("not used");
  }
  async checkTx(): Promise<never> {
    throw new Error("not used: the mempool stays empty");
  }
  async prepareProposal(request: PrepareProposalRequest) {
    return { txs: request.txs };
  }
  async processProposal(): Promise<"accept"> {
    return "accept";
  }
  async finalizeBlock(request: BlockRequest): Promise<FinalizeBlockResponse> {
    this.misbehaviorSeen += request.misbehavior.length;
    return {
      events: [],
      txResults: [],
      validatorUpdates: request.height === 1n ? [{ pubKey: joiner.publicKey, power: POWER }] : [],
      appHash: sha256(encoder.encode(`app ${request.height}`)),
    };
  }
  async commit(request: CommitRequest) {
    await writeBatch(this.#db, [...request.extraOperations], false);
    return { retainHeight: 0n };
  }
}

export interface EvidenceChain {
  dir: string;
  db: Database;
  blockStore: BlockStoreImpl;
  pool: EvidencePool;
  executor: BlockExecutor;
  app: BatchApplication;
  state: ChainState;
  lastCommit: Commit;
  /** Warnings the pool logged (its refusal reasons). */
  warnings: object[];
  /** The BFT time of the next block (median of the last commit). */
  nextTime(): Timestamp;
  /** Proposes (with the pool's pending evidence) and commits the next block; returns it. */
  commitNext(): Promise<Block>;
  /** Closes the LevelDB and opens a new store and pool on the same directory (a node restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const genesis = {
  chainId: CHAIN_ID,
  initialHeight: 1n,
  genesisTime: GENESIS_TIME,
  validators: signers.map((signer) => ({ pubKey: signer.publicKey, power: POWER })),
  consensusParams: {
    block: { maxBytes: 1_000_000n, maxGas: -1n },
    evidence: { maxAgeNumBlocks: MAX_AGE_BLOCKS, maxAgeDurationNs: MAX_AGE_NS, maxBytes: 1_048_576n },
    validator: { pubKeyTypes: ["ed25519"] },
    version: { app: 0n },
  },
} as unknown as Genesis;

/** Signs the commit of `blockId` at `height` by every validator of `validators`, each 1 s after `time`. */
function signCommit(validators: ChainState["validators"], height: bigint, blockId: BlockID, time: Timestamp) {
  const set = new ValidatorSet(validators);
  const commit: Commit = {
    height,
    round: 0,
    blockId,
    signatures: set.validators.map((validator) => ({
      blockIdFlag: BlockIDFlag.commit,
      validatorAddress: validator.address,
      timestamp: { seconds: time.seconds + 1n, nanos: time.nanos },
      signature: new Uint8Array(),
    })),
  };
  commit.signatures.forEach((sig, index) => {
    sig.signature = signerOf(sig.validatorAddress).sign(commitVoteSignBytes(CHAIN_ID, commit, index));
  });
  return commit;
}

function signerOf(address: Uint8Array): Ed25519Signer {
  const found = [...signers, joiner].find((signer) => Buffer.compare(signer.address, address) === 0);
  if (found === undefined) throw new Error("assertion: unknown validator address");
  return found;
}

export async function openEvidenceChain(): Promise<EvidenceChain> {
  const dir = await mkdtemp(join(tmpdir(), "evidence-pool-"));
  const warnings: object[] = [];
  const logger = { info: () => {}, warn: (object: object) => warnings.push(object) };
  const open = async () => {
    const db: Database = new ClassicLevel<Uint8Array, Uint8Array>(dir, DB_OPTIONS);
    await db.open();
    const blockStore = await openBlockStore(db);
    const pool = new EvidencePool({ blockStore, logger, db });
    const app = new BatchApplication(db);
    const executor = new BlockExecutor({
      app,
      blockStore,
      mempool: new Mempool({ maxTxs: 10, maxTotalBytes: 10_000, maxTxBytes: 1_000 }),
      mempoolLock: new Mutex(),
      evidence: pool,
    });
    return { db, blockStore, pool, app, executor };
  };
  const chain: EvidenceChain = {
    dir,
    ...(await open()),
    state: genesisChainState(genesis, sha256(encoder.encode("app 0"))),
    lastCommit: { height: 0n, round: 0, blockId: emptyBlockIdValue(), signatures: [] },
    warnings,
    nextTime() {
      const state = chain.state;
      return state.lastBlockHeight + 1n === state.initialHeight
        ? state.lastBlockTime
        : medianTime(chain.lastCommit, new ValidatorSet(state.lastValidators));
    },
    async commitNext() {
      const state = chain.state;
      const time = chain.nextTime();
      const proposed = await chain.executor.createProposal(state, {
        proposer: signers[0]!.address,
        lastCommit: chain.lastCommit,
        time,
      });
      if (!(await chain.executor.verifyProposal(state, proposed.block, proposed.blockId)))
        throw new Error(`assertion: own proposal at ${proposed.block.header.height} refused`);
      const commit = signCommit(state.validators, proposed.block.header.height, proposed.blockId, time);
      chain.state = await chain.executor.applyBlock(
        state,
        proposed.block,
        proposed.blockId,
        proposed.blockBytes.length,
        commit,
      );
      chain.lastCommit = commit;
      return proposed.block;
    },
    async restart() {
      await chain.db.close();
      Object.assign(chain, await open());
    },
    async close() {
      await chain.db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return chain;
}

function emptyBlockIdValue(): BlockID {
  return { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } };
}

/** A BlockID nobody proposed, distinct per label. */
export function fakeBlockId(label: string): BlockID {
  return {
    hash: sha256(encoder.encode(`block ${label}`)),
    partSetHeader: { total: 1, hash: sha256(encoder.encode(`parts ${label}`)) },
  };
}

/** A vote of `signer` signed over voteSignBytes. */
export function signedVote(
  signer: Ed25519Signer,
  fields: { height: bigint; round?: number; type?: SignedMsgType; blockId: BlockID; timestamp?: Timestamp },
): Vote {
  const vote: Vote = {
    type: fields.type ?? SignedMsgType.prevote,
    height: fields.height,
    round: fields.round ?? 0,
    blockId: fields.blockId,
    timestamp: fields.timestamp ?? { seconds: GENESIS_TIME.seconds + fields.height, nanos: 1 },
    validatorAddress: signer.address,
    validatorIndex: 0,
    signature: new Uint8Array(),
  };
  return { ...vote, signature: signer.sign(voteSignBytes(CHAIN_ID, vote)) };
}

/** tendermint.types.Evidence bytes of two conflicting votes at `height`, with the block time there and
 * the powers of the set of heights 1-2 unless overridden. */
export async function duplicateVote(
  chain: EvidenceChain,
  options: {
    signer?: Ed25519Signer;
    height: bigint;
    round?: number;
    votes?: [Vote, Vote];
    validatorPower?: bigint;
    totalVotingPower?: bigint;
    timestamp?: Timestamp;
  },
): Promise<Uint8Array> {
  const signer = options.signer ?? signers[1]!;
  const round = options.round ?? 0;
  const [voteA, voteB] = options.votes ?? [
    signedVote(signer, {
      height: options.height,
      round,
      blockId: fakeBlockId(`a ${options.height} ${round}`),
    }),
    signedVote(signer, {
      height: options.height,
      round,
      blockId: fakeBlockId(`b ${options.height} ${round}`),
    }),
  ];
  const time =
    options.timestamp ?? (await chain.blockStore.loadBlockMeta(options.height))?.header.time ?? GENESIS_TIME;
  return encodeEvidence(
    makeDuplicateVoteEvidence(
      voteA,
      voteB,
      {
        validatorPower: options.validatorPower ?? POWER,
        totalVotingPower: options.totalVotingPower ?? POWER * 4n,
      },
      time,
    ),
  );
}
