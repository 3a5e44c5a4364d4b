// CacheMultiStore: one CacheKVStore per mounted store, created on first use so that a per-tx or per-message
// cacheWrap costs nothing for stores it does not touch.
import { CacheKVStore, type ParentStore, type PendingWrite } from "./cache-kv.ts";
import { SENTINEL_KEY } from "./sentinel.ts";
import type { StateStorage } from "./state-storage.ts";
import { type CacheMultiStore, type IterateRange, type KVStore, StoreError } from "./types.ts";

/** Latest committed state of one store, read-only: the bottom of every cache chain. */
export class CommittedStore implements ParentStore {
  readonly #storage: StateStorage;
  readonly #storePrefix: Uint8Array;

  constructor(storage: StateStorage, storePrefix: Uint8Array) {
    this.#storage = storage;
    this.#storePrefix = storePrefix;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.#storage.getLatest(this.#storePrefix, key);
  }

  iterate(range: IterateRange = {}): AsyncIterable<[Uint8Array, Uint8Array]> {
    return this.#storage.iterateLatest(this.#storePrefix, range);
  }

  applyWrites(_writes: Iterable<PendingWrite>): void {
    throw new Error("a top-level cache is not written down: pass it to CommitMultiStore.prepareCommit");
  }
}

type ParentLookup = (name: string) => ParentStore;

export class CacheMultiStoreImpl implements CacheMultiStore {
  /** The CommitMultiStore this chain of caches belongs to (prepareCommit checks it). */
  readonly owner: object;
  readonly isTopLevel: boolean;
  readonly #names: readonly string[];
  readonly #parentOf: ParentLookup;
  readonly #stores = new Map<string, CacheKVStore>();

  constructor(owner: object, names: readonly string[], parentOf: ParentLookup, isTopLevel: boolean) {
    this.owner = owner;
    this.#names = names;
    this.#parentOf = parentOf;
    this.isTopLevel = isTopLevel;
  }

  store(name: string): KVStore {
    return this.#cacheOf(name);
  }

  #cacheOf(name: string): CacheKVStore {
    let store = this.#stores.get(name);
    if (store === undefined) {
      if (!this.#names.includes(name)) throw new StoreError("unknown_store", `store ${name} is not mounted`);
      store = new CacheKVStore(this.#parentOf(name), SENTINEL_KEY);
      this.#stores.set(name, store);
    }
    return store;
  }

  storeNames(): readonly string[] {
    return this.#names;
  }

  write(): void {
    if (this.isTopLevel)
      throw new Error("a top-level cache is not written down: pass it to CommitMultiStore.prepareCommit");
    for (const store of this.#stores.values()) store.write();
  }

  cacheWrap(): CacheMultiStore {
    return new CacheMultiStoreImpl(this.owner, this.#names, (name) => this.#cacheOf(name), false);
  }

  /** The pending writes of each touched store, sorted by key. */
  changeSets(): Map<string, PendingWrite[]> {
    const out = new Map<string, PendingWrite[]>();
    for (const [name, store] of this.#stores) out.set(name, store.pendingSorted());
    return out;
  }
}
