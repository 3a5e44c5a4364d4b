// In-memory parts for the consensus simulation: a deterministic Application (app hash = sha256 chain
// over heights and txs), a block store on the same "disk" map, and WAL / sign-state storages with
// crash semantics (bytes not yet synced are lost, or torn, on a crash). The real BaseApplication on
// LevelDB costs milliseconds per block; 200 seeds x 4 nodes x dozens of heights need microseconds.
// This is a fake by necessity (DESIGN: "fakes only where a real part cannot run here, and say so"):
// the engine, WAL framing, double-sign guard and BlockExecutor under test are the real ones.
import type {
  Application,
  CheckTxResponse,
  FinalizeBlockResponse,
  InfoResponse,
  QueryResponse,
} from "../../chain/app/abci.ts";
import type { BlockStore } from "../../chain/blockstore/types.ts";
import type { LastSignState, SignStateStorage } from "../../chain/consensus/privval.ts";
import type { WalStorage } from "../../chain/consensus/wal.ts";
import { concatBytes, sha256 } from "../../chain/crypto/hash.ts";
import type { BatchOperation } from "../../chain/db-keyspace.ts";
import type { Block, Commit, Validator } from "../../chain/types/block.ts";
import { decodeBlock, decodeCommit, encodeBlock, encodeCommit } from "../../chain/types/block-codec.ts";

/** Durable key/values of one simulated node: survives its crashes. */
export class MemoryDisk {
  readonly data = new Map<string, Uint8Array>();

  get(key: Uint8Array | string): Uint8Array | undefined {
    return this.data.get(typeof key === "string" ? key : Buffer.from(key).toString("hex"));
  }

  write(operations: readonly BatchOperation[]): void {
    for (const op of operations) {
      const key = Buffer.from(op.key).toString("hex");
      if (op.type === "put") this.data.set(key, op.value);
      else this.data.delete(key);
    }
  }
}

const APP_KEY = new TextEncoder().encode("app");
const heightKey = (prefix: string, height: bigint) => new TextEncoder().encode(`${prefix}:${height}`);

function okTx(): CheckTxResponse {
  return {
    code: 0,
    data: new Uint8Array(),
    log: "",
    info: "",
    gasWanted: 1n,
    gasUsed: 1n,
    events: [],
    codespace: "",
  };
}

/** App hash after block h = sha256(app hash after h-1 ‖ h ‖ txs). Commit writes state and block store
 * operations in one step (the LevelDB batch of the real node). */
export class MemoryApplication implements Application {
  readonly #disk: MemoryDisk;
  #height: bigint;
  #appHash: Uint8Array;
  #pending: { height: bigint; appHash: Uint8Array } | undefined;

  constructor(disk: MemoryDisk) {
    this.#disk = disk;
    const saved = disk.get(APP_KEY);
    if (saved === undefined) {
      this.#height = 0n;
      this.#appHash = new Uint8Array();
    } else {
      this.#height = new DataView(saved.buffer, saved.byteOffset).getBigUint64(0);
      this.#appHash = saved.subarray(8);
    }
  }

  async info(): Promise<InfoResponse> {
    return {
      data: "memory",
      version: "0",
      appVersion: 0n,
      lastBlockHeight: this.#height,
      lastBlockAppHash: this.#appHash,
    };
  }

  async initChain() {
    this.#appHash = sha256(new TextEncoder().encode("genesis"));
    this.#disk.write([{ type: "put", key: APP_KEY, value: this.#encode(0n, this.#appHash) }]);
    return { validators: [], appHash: this.#appHash };
  }

  async checkTx(): Promise<CheckTxResponse> {
    return okTx();
  }

  async prepareProposal(request: { txs: Uint8Array[] }) {
    return { txs: request.txs };
  }

  async processProposal(): Promise<"accept" | "reject"> {
    return "accept";
  }

  async finalizeBlock(request: { txs: Uint8Array[]; height: bigint }): Promise<FinalizeBlockResponse> {
    const heightBytes = new Uint8Array(8);
    new DataView(heightBytes.buffer).setBigUint64(0, request.height);
    const appHash = sha256(concatBytes(this.#appHash, heightBytes, ...request.txs));
    this.#pending = { height: request.height, appHash };
    return {
      events: [],
      txResults: request.txs.map(okTx),
      validatorUpdates: [],
      appHash,
    };
  }

  async commit(request: { extraOperations: readonly BatchOperation[] }) {
    const pending = this.#pending;
    if (pending === undefined) throw new Error("assertion: commit without finalizeBlock");
    this.#disk.write([
      ...request.extraOperations,
      { type: "put", key: APP_KEY, value: this.#encode(pending.height, pending.appHash) },
    ]);
    this.#height = pending.height;
    this.#appHash = pending.appHash;
    this.#pending = undefined;
    return { retainHeight: 0n };
  }

  async query(): Promise<QueryResponse> {
    throw new Error("MemoryApplication has no queries");
  }

  #encode(height: bigint, appHash: Uint8Array): Uint8Array {
    const out = new Uint8Array(8 + appHash.length);
    new DataView(out.buffer).setBigUint64(0, height);
    out.set(appHash, 8);
    return out;
  }
}

/** The BlockStore parts consensus uses, on the node's MemoryDisk. */
export class MemoryBlockStore implements BlockStore {
  readonly #disk: MemoryDisk;
  #height = 0n;

  constructor(disk: MemoryDisk) {
    this.#disk = disk;
    const saved = disk.get("block-height");
    if (saved !== undefined) this.#height = BigInt(new TextDecoder().decode(saved));
  }

  base(): bigint {
    return this.#height === 0n ? 0n : 1n;
  }
  height(): bigint {
    return this.#height;
  }
  async loadBlock(height: bigint): Promise<Block | undefined> {
    const bytes = this.#disk.get(heightKey("block", height));
    return bytes === undefined ? undefined : decodeBlock(bytes);
  }
  async loadBlockByHash(): Promise<Block | undefined> {
    return undefined;
  }
  async loadBlockMeta() {
    return undefined;
  }
  async loadCommit(height: bigint): Promise<Commit | undefined> {
    const bytes = this.#disk.get(heightKey("commit", height));
    return bytes === undefined ? undefined : decodeCommit(bytes);
  }
  async loadResults() {
    return undefined;
  }
  async loadValidators(): Promise<Validator[] | undefined> {
    return undefined;
  }
  async loadTx() {
    return undefined;
  }
  async searchTxs() {
    return { txs: [], totalCount: 0 };
  }
  async searchBlocks() {
    return { heights: [], totalCount: 0 };
  }
  saveBlockOperations(input: { block: Block; seenCommit: Commit }): BatchOperation[] {
    const height = input.block.header.height;
    return [
      { type: "put", key: heightKey("block", height), value: encodeBlock(input.block) },
      { type: "put", key: heightKey("commit", height), value: encodeCommit(input.seenCommit) },
      {
        type: "put",
        key: new TextEncoder().encode("block-height"),
        value: new TextEncoder().encode(height.toString()),
      },
    ];
  }
  markCommitted(height: bigint): void {
    this.#height = height;
  }
}

/** A WAL file in memory: append goes to a volatile buffer, sync makes it durable. */
export class MemoryWalStorage implements WalStorage {
  #durable: Uint8Array[] = [];
  #volatile: Uint8Array[] = [];

  get durable(): Uint8Array {
    return concatBytes(...this.#durable);
  }
  set durable(bytes: Uint8Array) {
    this.#durable = [bytes.slice()];
  }
  async readAll(): Promise<Uint8Array> {
    return concatBytes(...this.#durable, ...this.#volatile);
  }
  async append(bytes: Uint8Array): Promise<void> {
    this.#volatile.push(bytes);
  }
  async sync(): Promise<void> {
    this.#durable.push(...this.#volatile);
    this.#volatile = [];
  }
  async truncate(length: number): Promise<void> {
    const all = await this.readAll();
    this.#durable = [all.slice(0, length)];
    this.#volatile = [];
  }
  async replace(bytes: Uint8Array): Promise<void> {
    this.#durable = [bytes.slice()];
    this.#volatile = [];
  }
  async close(): Promise<void> {}

  /** A crash: unsynced bytes are lost, except a prefix of `keepBytes` of them (a torn write). */
  crash(keepBytes: number): void {
    const unsynced = concatBytes(...this.#volatile);
    this.#durable.push(unsynced.slice(0, Math.min(keepBytes, unsynced.length)));
    this.#volatile = [];
  }

  get unsyncedBytes(): number {
    let total = 0;
    for (const part of this.#volatile) total += part.length;
    return total;
  }
}

export class MemorySignStateStorage implements SignStateStorage {
  state: LastSignState | undefined;
  async load(): Promise<LastSignState | undefined> {
    return this.state;
  }
  async save(state: LastSignState): Promise<void> {
    this.state = state;
  }
}
