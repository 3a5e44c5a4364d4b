// The state interfaces modules and the application code against. Implementations live beside this
// file (multistore.ts etc.); modules never see LevelDB, SMT nodes or versions.
//
// Reads and writes are synchronous (LevelDB getSync + in-memory write buffers) because a block
// executes one tx at a time and awaiting every read would dominate execution. Iteration is async
// because LevelDB iterators are.

/** A key/value store of one module. Keys and values are raw bytes; empty values are not allowed
 * (ICS-23 cannot prove them): `set` with an empty value throws a StoreError. */
export interface KVStore {
  get(key: Uint8Array): Uint8Array | undefined;
  has(key: Uint8Array): boolean;
  set(key: Uint8Array, value: Uint8Array): void;
  /** set() of arrays the store may keep as they are, because the caller never writes to either again
   * (a fresh encoding, a shared read-only key): spares the two copies set() makes. Optional: a store
   * without it is given set() (setOwned in chain/app/context.ts). */
  setOwned?(key: Uint8Array, value: Uint8Array): void;
  delete(key: Uint8Array): void;
  /** Entries with start <= key < end in raw byte order (reverse: descending), pending writes included. */
  iterate(range?: IterateRange): AsyncIterable<[key: Uint8Array, value: Uint8Array]>;
}

export interface IterateRange {
  /** Inclusive lower bound; omitted: from the first key. */
  start?: Uint8Array;
  /** Exclusive upper bound; omitted: to the last key. */
  end?: Uint8Array;
  reverse?: boolean;
  /** Maximum entries to yield. */
  limit?: number;
}

/** Named module stores seen at one point in time. */
export interface MultiStore {
  /** The store with this name; throws StoreError for a name not mounted at genesis. */
  store(name: string): KVStore;
  storeNames(): readonly string[];
}

/** A write buffer over a parent MultiStore: writes stay here until `write()` pushes them down to the
 * parent, or the cache is dropped. This is how a tx (or one message) runs atomically, and how
 * checkTx keeps its own check-state over committed state. Caches nest. */
export interface CacheMultiStore extends MultiStore {
  write(): void;
  cacheWrap(): CacheMultiStore;
  /** Starts noting every write made in this cache until end(), so that writes can be undone back to a
   * mark: how a tx runs in place instead of in a nested cache (one cache level less for each of its
   * reads and writes, no copy of its writes into this one). One recording at a time per cache: it
   * throws while another is in progress. */
  record(): WriteRecording;
}

/** The writes made in a cache since record() (CacheMultiStore.record). */
export interface WriteRecording {
  /** A position to undo back to: the writes noted so far. */
  mark(): number;
  /** Undoes, newest first, every write made after `mark`. */
  undoTo(mark: number): void;
  /** Stops noting writes; those made stay. */
  end(): void;
}

/** Read-only view of committed state at one version (height), for queries. */
export interface VersionedReader {
  readonly version: number;
  get(storeName: string, key: Uint8Array): Promise<Uint8Array | undefined>;
  iterate(storeName: string, range?: IterateRange): AsyncIterable<[Uint8Array, Uint8Array]>;
}

/** ICS-23 proof op as CometBFT's abci_query returns it (`ProofOps.ops[]`). */
export interface ProofOp {
  /** "ics23:smt" for a module store, "ics23:simple" for the multistore. */
  type: string;
  /** The key proven in this op: the raw store key for ics23:smt, the store name for ics23:simple. */
  key: Uint8Array;
  /** Protobuf-encoded cosmos.ics23.v1.CommitmentProof. */
  data: Uint8Array;
}

/** empty_value / empty_key: ICS-23 cannot prove them. reserved_key: the store's sentinel key (chain/store/README.md).
 * unknown_store: not mounted. unknown_version: not committed (yet). pruned_version: removed by pruning.
 * corrupt: the database contradicts itself. */
export type StoreErrorCode =
  | "empty_value"
  | "empty_key"
  | "reserved_key"
  | "unknown_store"
  | "unknown_version"
  | "pruned_version"
  | "corrupt";

export class StoreError extends Error {
  readonly code: string;
  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Gas costs of store access (Cosmos SDK KVGasConfig defaults), charged by the gas-metered store. */
export const KV_GAS = {
  hasCost: 1000n,
  readCostFlat: 1000n,
  readCostPerByte: 3n,
  writeCostFlat: 2000n,
  writeCostPerByte: 30n,
  deleteCost: 1000n,
  iterNextCostFlat: 30n,
} as const;
