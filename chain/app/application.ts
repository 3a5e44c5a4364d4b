// The sensorchain application: ABCI 2.0 methods over an injected CommitMultiStore and a list of
// modules. Pure (style rule 1): no clock, no randomness, no network; the node drives it.
import "./binary-writer.ts";
import { toHex } from "../crypto/hash.ts";
import type { CommitMultiStore, PreparedCommit } from "../store/commit-types.ts";
import type { CacheMultiStore, MultiStore } from "../store/types.ts";
import type { Timestamp } from "../types/block.ts";
import type {
  Application,
  BlockRequest,
  CheckTxResponse,
  CommitRequest,
  Event,
  ExecTxResult,
  FinalizeBlockResponse,
  InfoResponse,
  InitChainRequest,
  InitChainResponse,
  PrepareProposalRequest,
  QueryRequest,
  QueryResponse,
  SignatureCheck,
  SignatureVerdict,
  ValidatorUpdate,
} from "./abci.ts";
import { pendingSignatureChecks } from "./ante.ts";
import {
  type AnteAccountKeeper,
  type AnteBankKeeper,
  isAnteAccountKeeper,
  isAnteBankKeeper,
} from "./ante-keepers.ts";
import { type DecCoin, parseDecCoins } from "./coins.ts";
import { type BlockInfo, StoreContext } from "./context.ts";
import { AbciError, sdkError } from "./errors.ts";
import { withAttribute } from "./events.ts";
import { type ExecuteEnvironment, executeTx } from "./execute.ts";
import type { ExecMode, Module, MsgHandler, QueryHandler } from "./module.ts";
import {
  encodeSimulateResponse,
  queryError,
  queryOk,
  resolveQueryVersion,
  runGrpcQuery,
  runStoreQuery,
  SIMULATE_PATH,
  simulateTxBytes,
} from "./query.ts";
import { SignatureCache } from "./signature-cache.ts";
import { type DecodedTx, decodeTx } from "./tx.ts";
import { txHashOf } from "./tx-hash.ts";

/** CometBFT's default max tx size (mempool.max_tx_bytes): 1 MiB. */
export const DEFAULT_MAX_TX_BYTES = 1024 * 1024;
/** Decoded txs kept between checkTx, prepareProposal, finalizeBlock and recheck, by tx hash, for equal
 * bytes arriving as another array (a block's parts, a replay): the mempool (CometBFT default 5,000),
 * txs being pre-verified and a block in flight, or a replay's blocks verified ahead (8 × ≤ 1,000), with
 * headroom; oldest evicted first. A bound, not the usual content: committed and refused txs leave at
 * once, so it holds about the pending txs. */
export const MAX_DECODED_TXS = 20_000;
export const APP_NAME = "sensorchain";
export const APP_VERSION = "0.1.0";
/** Application protocol version reported to consensus (header version.app). */
export const APP_PROTOCOL_VERSION = 1n;

export interface AppOptions {
  /** Committed state; its mounted stores must include every module's storeNames. */
  store: CommitMultiStore;
  /** In genesis/begin-block/end-block order; auth first, then bank, then the rest. */
  modules: readonly Module[];
  /** Needed after a restart (initChain is not called again); must match genesis if both are given. */
  chainId?: string;
  /** Node-local mempool filter as decimal coins, e.g. "0.025usensor"; empty accepts any fee. */
  minGasPrices?: string;
  /** Largest tx accepted, in bytes. */
  maxTxBytes?: number;
  /** Overrides the ante keepers found in the modules named "auth" and "bank". */
  anteKeepers?: { accounts: AnteAccountKeeper; bank: AnteBankKeeper };
}

const ZERO_TIME: Timestamp = { seconds: 0n, nanos: 0 };

export class BaseApplication implements Application {
  readonly modules: readonly Module[];
  readonly #store: CommitMultiStore;
  readonly #handlers = new Map<string, MsgHandler<unknown>>();
  readonly #queries = new Map<string, QueryHandler>();
  readonly #minGasPrices: DecCoin[];
  readonly #maxTxBytes: number;
  readonly #signatureCache = new SignatureCache();
  readonly #decoded = new Map<string, DecodedTx>();
  readonly #decode = (bytes: Uint8Array): DecodedTx => this.#decodeCached(bytes);
  readonly #keepers: { accounts: AnteAccountKeeper; bank: AnteBankKeeper };
  #chainId: string | undefined;
  #checkState: CacheMultiStore | undefined;
  #lastBlockTime: Timestamp = ZERO_TIME;
  #pending: { height: bigint; prepared: PreparedCommit; time: Timestamp } | undefined;

  constructor(options: AppOptions) {
    const { store, modules } = options;
    this.#store = store;
    this.modules = modules;
    this.#chainId = options.chainId;
    this.#minGasPrices = parseDecCoins(options.minGasPrices ?? "");
    this.#maxTxBytes = options.maxTxBytes ?? DEFAULT_MAX_TX_BYTES;
    const names = new Set<string>();
    for (const module of modules) {
      if (names.has(module.name)) throw new Error(`module ${module.name} registered twice`);
      names.add(module.name);
      for (const [typeUrl, handler] of Object.entries(module.msgs ?? {})) {
        if (this.#handlers.has(typeUrl)) throw new Error(`message ${typeUrl} registered twice`);
        this.#handlers.set(typeUrl, handler);
      }
      for (const [path, handler] of Object.entries(module.queries ?? {}))
        this.registerQueryHandler(path, handler);
    }
    const keeperOf = (name: string): object | undefined =>
      modules.find((module) => module.name === name)?.keeper;
    for (const module of modules) module.connect?.(keeperOf);
    this.#keepers = options.anteKeepers ?? findAnteKeepers(modules);
  }

  /** Every store the modules need: the node mounts exactly these in its CommitMultiStore. */
  static storeNames(modules: readonly Module[]): string[] {
    return modules.flatMap((module) => module.storeNames);
  }

  /** Adds a gRPC-style query path served by someone other than a module (e.g. GetTx by the node's block store). */
  registerQueryHandler(path: string, handler: QueryHandler): void {
    if (this.#queries.has(path) || path === SIMULATE_PATH)
      throw new Error(`query path ${path} registered twice`);
    this.#queries.set(path, handler);
  }

  get chainId(): string {
    if (this.#chainId === undefined)
      throw new Error("chain id unknown: pass options.chainId or call initChain");
    return this.#chainId;
  }

  async info(): Promise<InfoResponse> {
    const { version, appHash } = this.#store.lastCommit();
    return {
      data: APP_NAME,
      version: APP_VERSION,
      appVersion: APP_PROTOCOL_VERSION,
      lastBlockHeight: BigInt(Math.max(version, 0)),
      lastBlockAppHash: version < 0 ? new Uint8Array(0) : appHash,
    };
  }

  /** Runs every module's genesis and commits it as store version 0; its app hash goes into header 1.
   * CometBFT calls initChain again while the last height is 0: then the committed genesis is kept. */
  async initChain(request: InitChainRequest): Promise<InitChainResponse> {
    if (this.#chainId !== undefined && this.#chainId !== request.chainId)
      throw new Error(`genesis chain id ${request.chainId} differs from configured ${this.#chainId}`);
    this.#chainId = request.chainId;
    this.#lastBlockTime = request.time;
    const last = this.#store.lastCommit();
    if (last.version === 0) return { validators: [], appHash: last.appHash };
    if (last.version > 0) throw new Error(`initChain on a store already at version ${last.version}`);
    const appState = parseAppState(request.appStateBytes);
    const genesisState = this.#store.cacheMultiStore();
    const block = { height: request.initialHeight, time: request.time, chainId: request.chainId };
    const validators: ValidatorUpdate[] = [];
    for (const module of this.modules) {
      const genesis = appState[module.name] ?? module.defaultGenesis?.();
      if (genesis === undefined) continue;
      module.validateGenesis?.(genesis);
      const updates = await module.initGenesis?.(new StoreContext(block, "genesis", genesisState), genesis);
      if (updates !== undefined) validators.push(...updates);
    }
    checkGenesisValidators(request.validators, validators);
    const prepared = await this.#store.prepareCommit(genesisState, 0);
    await this.#store.commit(prepared, []);
    this.#checkState = undefined;
    return { validators, appHash: prepared.appHash };
  }

  async checkTx(request: { tx: Uint8Array; type: "new" | "recheck" }): Promise<CheckTxResponse> {
    this.#checkState ??= this.#store.cacheMultiStore();
    const mode: ExecMode = request.type === "recheck" ? "recheck" : "check";
    const outcome = await executeTx(
      this.#checkState,
      this.#nextBlockInfo(),
      request.tx,
      mode,
      this.#environment(),
    );
    const response: CheckTxResponse = { ...outcome.result, data: new Uint8Array(0) };
    // A refused tx leaves the mempool (or never enters it): its decoding stays only with its array.
    if (response.code !== 0 && outcome.tx !== undefined) this.#decoded.delete(outcome.tx.hashHex);
    if (outcome.ante !== undefined && outcome.tx !== undefined) {
      response.sender = outcome.ante.sender;
      response.sequence = outcome.ante.sequence;
      response.priority = txPriority(outcome.tx.fee[0]?.amount ?? 0n, outcome.tx.gasLimit);
    }
    return response;
  }

  /** The SDK's default PrepareProposal: keeps the proposer's txs in order while they fit in maxTxBytes,
   * dropping those that are oversized or cannot be decoded. It does not run the ante handler again:
   * recheck keeps the mempool valid against committed state, and a tx that fails anyway is recorded
   * as failed in finalizeBlock without changing state (its ante writes are dropped). */
  async prepareProposal(request: PrepareProposalRequest): Promise<{ txs: Uint8Array[] }> {
    const limit = request.maxTxBytes > 0n ? Number(request.maxTxBytes) : Number.MAX_SAFE_INTEGER;
    const txs: Uint8Array[] = [];
    let total = 0;
    for (const tx of request.txs) {
      if (tx.length > this.#maxTxBytes || total + tx.length > limit) continue;
      try {
        this.#decodeCached(tx);
      } catch {
        continue;
      }
      txs.push(tx);
      total += tx.length;
    }
    return { txs };
  }

  /** Rejects a proposal carrying a tx that cannot even be decoded or is oversized; failing txs are fine. */
  async processProposal(request: BlockRequest): Promise<"accept" | "reject"> {
    for (const tx of request.txs) {
      if (tx.length > this.#maxTxBytes) return "reject";
      try {
        this.#decodeCached(tx);
      } catch {
        return "reject";
      }
    }
    return "accept";
  }

  async finalizeBlock(request: BlockRequest): Promise<FinalizeBlockResponse> {
    const version = this.#store.lastCommit().version;
    if (request.height !== BigInt(version + 1))
      throw new Error(`finalizeBlock at height ${request.height}, but last committed version is ${version}`);
    const deliverState = this.#store.cacheMultiStore();
    const block: BlockInfo = { height: request.height, time: request.time, chainId: this.chainId };
    const events: Event[] = [];
    for (const module of this.modules) {
      if (module.beginBlock === undefined) continue;
      const ctx = new StoreContext(block, "block", deliverState);
      await module.beginBlock(ctx, request);
      events.push(...withAttribute(ctx.events.events, "mode", "BeginBlock"));
    }
    const txResults: ExecTxResult[] = [];
    const env = this.#environment();
    for (const tx of request.txs) {
      const outcome = await executeTx(deliverState, block, tx, "deliver", env);
      if (outcome.tx !== undefined) {
        this.#signatureCache.delete(outcome.tx.hashHex);
        this.#decoded.delete(outcome.tx.hashHex);
      }
      txResults.push(outcome.result);
    }
    const validatorUpdates: ValidatorUpdate[] = [];
    for (const module of this.modules) {
      if (module.endBlock === undefined) continue;
      const ctx = new StoreContext(block, "block", deliverState);
      const updates = await module.endBlock(ctx);
      if (updates !== undefined) validatorUpdates.push(...updates);
      events.push(...withAttribute(ctx.events.events, "mode", "EndBlock"));
    }
    const prepared = await this.#store.prepareCommit(deliverState, version + 1);
    this.#pending = { height: request.height, prepared, time: request.time };
    return { events, txResults, validatorUpdates, appHash: prepared.appHash };
  }

  /** The signatures of `tx` still to verify against the check state, for the node's verification pool. */
  signatureChecks(tx: Uint8Array): SignatureCheck[] {
    if (tx.length > this.#maxTxBytes) return [];
    let decoded: DecodedTx;
    try {
      decoded = this.#decodeCached(tx);
    } catch {
      return [];
    }
    const readContext = (): StoreContext => {
      this.#checkState ??= this.#store.cacheMultiStore();
      return new StoreContext(this.#nextBlockInfo(), "check", this.#checkState);
    };
    return pendingSignatureChecks(readContext, decoded, this.#environment());
  }

  /** Verdicts from the node's pool. Each is used only for exactly the bytes it was computed for: the
   * ante handler compares tx hash, signer index, sign bytes, key and signature before trusting it. */
  addSignatureVerdicts(verdicts: readonly SignatureVerdict[]): void {
    for (const verdict of verdicts) {
      const tx = this.#decoded.get(toHex(verdict.txHash));
      if (tx !== undefined) this.#signatureCache.addComputed(tx, verdict);
    }
  }

  async commit(request: CommitRequest): Promise<{ retainHeight: bigint }> {
    const pending = this.#pending;
    if (pending === undefined) throw new Error("commit without finalizeBlock");
    this.#pending = undefined;
    await this.#store.commit(pending.prepared, request.extraOperations);
    this.#lastBlockTime = pending.time;
    this.#checkState = this.#store.cacheMultiStore();
    return { retainHeight: 0n };
  }

  async query(request: QueryRequest): Promise<QueryResponse> {
    try {
      if (request.path.startsWith("/store/")) return await runStoreQuery(this.#store, request);
      if (request.path === SIMULATE_PATH) return await this.#simulate(request.data);
      const handler = this.#queries.get(request.path);
      if (handler === undefined)
        throw sdkError("unknownRequest", `no query handler for path ${request.path}`);
      return await runGrpcQuery(this.#store, handler, request);
    } catch (error) {
      return queryError(error);
    }
  }

  /** app_state of the latest committed state, in the JSON each module's genesis reads; or of `at`,
   * a read-only view of a past version (chain/audit/export.ts), seen as of block `at.height`. */
  async exportGenesis(at?: { state: MultiStore; height: bigint }): Promise<Record<string, unknown>> {
    const state = at?.state ?? this.#store.cacheMultiStore();
    const block = at === undefined ? this.#nextBlockInfo() : { ...this.#nextBlockInfo(), height: at.height };
    const ctx = new StoreContext(block, "genesis", state);
    const appState: Record<string, unknown> = {};
    for (const module of this.modules) {
      if (module.exportGenesis !== undefined) appState[module.name] = await module.exportGenesis(ctx);
    }
    return appState;
  }

  /** Runs every module invariant on the latest committed state; returns what is broken (empty = sound). */
  async checkInvariants(): Promise<string[]> {
    const state = this.#store.cacheMultiStore();
    const broken: string[] = [];
    for (const module of this.modules) {
      for (const invariant of module.invariants ?? []) {
        const ctx = new StoreContext(this.#nextBlockInfo(), "block", state);
        const message = await invariant.check(ctx);
        if (message !== undefined) broken.push(`${module.name}/${invariant.name}: ${message}`);
      }
    }
    return broken;
  }

  /** Executes the tx on a throw-away copy of the latest state, without signature, fee or gas-limit checks. */
  async #simulate(data: Uint8Array): Promise<QueryResponse> {
    const bytes = simulateTxBytes(data);
    const version = resolveQueryVersion(this.#store, 0n);
    const state = this.#store.cacheMultiStore();
    const outcome = await executeTx(state, this.#nextBlockInfo(), bytes, "simulate", this.#environment());
    const { result } = outcome;
    if (result.code !== 0) throw new AbciError(result.code, result.codespace, result.log);
    const value = encodeSimulateResponse(
      result.gasWanted,
      result.gasUsed,
      result.events,
      outcome.msgResponses,
    );
    return queryOk(value, BigInt(version));
  }

  #nextBlockInfo(): BlockInfo {
    const version = this.#store.lastCommit().version;
    return { height: BigInt(version + 1), time: this.#lastBlockTime, chainId: this.chainId };
  }

  #environment(): ExecuteEnvironment {
    return {
      chainId: this.chainId,
      maxTxBytes: this.#maxTxBytes,
      minGasPrices: this.#minGasPrices,
      accounts: this.#keepers.accounts,
      bank: this.#keepers.bank,
      signatureCache: this.#signatureCache,
      handlers: this.#handlers,
      decode: this.#decode,
    };
  }

  /** Decodes once per tx: checkTx, prepareProposal, processProposal, finalizeBlock and recheck reuse it.
   * Keyed by sha256 of the bytes, so equal bytes arriving as another array (a proposal) hit too.
   * Safe to share: decoding is a pure function of the bytes and no handler mutates a decoded tx. */
  #decodeCached(bytes: Uint8Array): DecodedTx {
    // The same array usually comes back (ingress, mempool, proposal, block): its hash record (weak, as
    // long as the array lives) holds the decoding. Tx byte arrays are never written to once received,
    // so identity implies equal bytes.
    // Another application in the process (tests, an audit beside a node) may have decoded the array
    // first: a decoding carries its handlers, so each app uses only its own.
    const hashed = txHashOf(bytes);
    const known = hashed.decoded as DecodedTx | undefined;
    if (known !== undefined && known.handlers === this.#handlers) return known;
    let decoded = this.#decoded.get(hashed.hex);
    if (decoded === undefined) {
      decoded = decodeTx(bytes, this.#handlers, hashed.hash, hashed.hex);
      if (this.#decoded.size >= MAX_DECODED_TXS) {
        const oldest = this.#decoded.keys().next().value;
        if (oldest !== undefined) this.#decoded.delete(oldest);
      }
      this.#decoded.set(hashed.hex, decoded);
    }
    if (known === undefined) hashed.decoded = decoded;
    return decoded;
  }
}

function findAnteKeepers(modules: readonly Module[]): { accounts: AnteAccountKeeper; bank: AnteBankKeeper } {
  const accounts = modules.find((module) => module.name === "auth")?.keeper;
  const bank = modules.find((module) => module.name === "bank")?.keeper;
  if (accounts === undefined || !isAnteAccountKeeper(accounts))
    throw new Error("the ante handler needs a module named auth whose keeper implements AnteAccountKeeper");
  if (bank === undefined || !isAnteBankKeeper(bank))
    throw new Error("the ante handler needs a module named bank whose keeper implements AnteBankKeeper");
  return { accounts, bank };
}

/** The SDK's InitChain check: validators the modules set up must equal the genesis document's
 * (same keys and powers, any order) when both are given. */
function checkGenesisValidators(
  requested: readonly ValidatorUpdate[],
  returned: readonly ValidatorUpdate[],
): void {
  if (requested.length === 0 || returned.length === 0) return;
  const text = (list: readonly ValidatorUpdate[]) =>
    list.map((update) => `${toHex(update.pubKey)}:${update.power}`).sort();
  const [a, b] = [text(requested), text(returned)];
  if (a.length !== b.length || a.some((entry, index) => entry !== b[index]))
    throw new Error(
      `genesis validators (${a.join(", ")}) differ from the validators of app_state (${b.join(", ")})`,
    );
}

function parseAppState(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new Error(`genesis app_state is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new Error("genesis app_state must be a JSON object");
  return parsed as Record<string, unknown>;
}

/** Mempool priority: fee (first fee coin) in millionths per unit of gas, so cheap gas prices still order. */
function txPriority(feeAmount: bigint, gasLimit: bigint): bigint {
  return gasLimit === 0n ? 0n : (feeAmount * 1_000_000n) / gasLimit;
}
