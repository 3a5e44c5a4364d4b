// CacheMultiStore: one CacheKVStore per mounted store, created on first use so that a per-tx or per-message
// cacheWrap costs nothing for stores it does not touch. A tx runs in place in its parent's caches with
// its writes journaled (record), instead of in nested caches.
import { keyString } from "./bytes.ts";
import { CacheKVStore, type ParentStore, type PendingWrite, WriteJournal } from "./cache-kv.ts";
import { SENTINEL_KEY } from "./sentinel.ts";
import type { StateStorage } from "./state-storage.ts";
import {
  type CacheMultiStore,
  type IterateRange,
  type KVStore,
  StoreError,
  type WriteRecording,
} from "./types.ts";

/** The sentinel key's id, which every store's cache refuses to write. */
const SENTINEL_ID = keyString(SENTINEL_KEY);

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

export class CacheMultiStoreImpl implements CacheMultiStore, WriteRecording {
  /** The CommitMultiStore this chain of caches belongs to (prepareCommit checks it). */
  readonly owner: object;
  readonly isTopLevel: boolean;
  readonly #names: readonly string[];
  readonly #parentOf: ParentLookup;
  readonly #stores = new Map<string, CacheKVStore>();
  /** The journal of the recording in progress (record() to end()). */
  #journal: WriteJournal | undefined;
  /** Kept between recordings: a check or block state records one tx after another. */
  #spareJournal: WriteJournal | undefined;

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
      store = new CacheKVStore(this.#parentOf(name), SENTINEL_ID);
      store.journal = this.#journal;
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

  record(): WriteRecording {
    if (this.#journal !== undefined)
      throw new Error("a recording is already in progress on this cache: one tx at a time runs in place");
    const journal = this.#spareJournal ?? new WriteJournal();
    this.#spareJournal = undefined;
    this.#journal = journal;
    for (const store of this.#stores.values()) store.journal = journal;
    return this;
  }

  mark(): number {
    return this.#recording().length;
  }

  undoTo(mark: number): void {
    this.#recording().undoTo(mark);
  }

  end(): void {
    const journal = this.#recording();
    for (const store of this.#stores.values()) store.journal = undefined;
    journal.clear();
    this.#journal = undefined;
    this.#spareJournal = journal;
  }

  #recording(): WriteJournal {
    if (this.#journal === undefined) throw new Error("no recording in progress on this cache");
    return this.#journal;
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
