// Write buffers over a parent store. Reads fall through the chain of caches to committed state (LevelDB
// getSync); iteration merges each level's pending writes into its parent's ordered stream. A tx may
// also write in place, with each write noted in a journal so that it can be undone (WriteJournal).
import { keyString } from "./bytes.ts";
import { type IterateRange, type KVStore, StoreError } from "./types.ts";

/** A pending write: value undefined is a delete. */
export interface PendingWrite {
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
  /** keyString(key): the level a write moves down to keys it by the same string. */
  readonly id: string;
}

/** What a cache needs from the level below it. */
export interface ParentStore {
  get(key: Uint8Array): Uint8Array | undefined;
  /** get(key) when the caller already has keyString(key): a chain of caches computes it once per read. */
  getById?(key: Uint8Array, id: string): Uint8Array | undefined;
  iterate(range?: IterateRange): AsyncIterable<[Uint8Array, Uint8Array]>;
  /** Applies a child's writes; committed state refuses (blocks reach it only through prepareCommit). */
  applyWrites(writes: Iterable<PendingWrite>): void;
}

/** Undo records of the writes a tx makes in place in a cache (CacheMultiStoreImpl.record): per write, the
 * store, the key id and the pending write it replaced (undefined: none), in order. Three flat arrays
 * reused from tx to tx: one push each per write and no record object, where a nested cache per tx and
 * per message cost two CacheMultiStores, their caches and maps, and a copy of every write into the
 * level below. */
export class WriteJournal {
  readonly #stores: CacheKVStore[] = [];
  readonly #ids: string[] = [];
  readonly #replaced: (PendingWrite | undefined)[] = [];

  get length(): number {
    return this.#ids.length;
  }

  note(store: CacheKVStore, id: string, replaced: PendingWrite | undefined): void {
    this.#stores.push(store);
    this.#ids.push(id);
    this.#replaced.push(replaced);
  }

  /** Undoes the writes noted from position `mark` on, newest first. */
  undoTo(mark: number): void {
    for (let index = this.#ids.length - 1; index >= mark; index--)
      this.#stores[index]!.restore(this.#ids[index]!, this.#replaced[index]);
    this.#truncate(mark);
  }

  clear(): void {
    this.#truncate(0);
  }

  #truncate(length: number): void {
    this.#stores.length = length;
    this.#ids.length = length;
    this.#replaced.length = length;
  }
}

export class CacheKVStore implements KVStore, ParentStore {
  readonly #parent: ParentStore;
  readonly #reservedKey: string | undefined;
  /** Keyed by latin1 string of the key; insertion order is irrelevant (iteration sorts). */
  readonly #pending = new Map<string, PendingWrite>();
  /** Set while a tx writes in place in this cache: every write notes what it replaces. */
  journal: WriteJournal | undefined;

  /** `reservedId`: keyString of a key nobody may write (the store's sentinel). */
  constructor(parent: ParentStore, reservedId?: string) {
    this.#parent = parent;
    this.#reservedKey = reservedId;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.getById(key, keyString(key));
  }

  getById(key: Uint8Array, id: string): Uint8Array | undefined {
    const pending = this.#pending.get(id);
    if (pending !== undefined) return pending.value;
    const parent = this.#parent;
    return parent.getById === undefined ? parent.get(key) : parent.getById(key, id);
  }

  has(key: Uint8Array): boolean {
    return this.get(key) !== undefined;
  }

  set(key: Uint8Array, value: Uint8Array): void {
    if (value.length === 0)
      throw new StoreError("empty_value", "empty values cannot be proven (ICS-23); delete instead");
    const id = this.#checkKey(key);
    this.#put({ key: new Uint8Array(key), value: new Uint8Array(value), id });
  }

  setOwned(key: Uint8Array, value: Uint8Array): void {
    if (value.length === 0)
      throw new StoreError("empty_value", "empty values cannot be proven (ICS-23); delete instead");
    const id = this.#checkKey(key);
    this.#put({ key, value, id });
  }

  delete(key: Uint8Array): void {
    const id = this.#checkKey(key);
    this.#put({ key: new Uint8Array(key), value: undefined, id });
  }

  #put(write: PendingWrite): void {
    const journal = this.journal;
    if (journal !== undefined) journal.note(this, write.id, this.#pending.get(write.id));
    this.#pending.set(write.id, write);
  }

  /** Puts back what a journaled write replaced (WriteJournal.undoTo). */
  restore(id: string, replaced: PendingWrite | undefined): void {
    if (replaced === undefined) this.#pending.delete(id);
    else this.#pending.set(id, replaced);
  }

  #checkKey(key: Uint8Array): string {
    if (key.length === 0) throw new StoreError("empty_key", "empty keys cannot be proven (ICS-23)");
    const id = keyString(key);
    if (id === this.#reservedKey)
      throw new StoreError("reserved_key", "this key holds the store's sentinel leaf");
    return id;
  }

  applyWrites(writes: Iterable<PendingWrite>): void {
    if (this.journal === undefined) for (const write of writes) this.#pending.set(write.id, write);
    else for (const write of writes) this.#put(write);
  }

  /** Pushes pending writes to the parent and empties this cache. */
  write(): void {
    this.#parent.applyWrites(this.#pending.values());
    this.#pending.clear();
  }

  /** Pending writes sorted by key (the block's change set when this is the top cache). */
  pendingSorted(): PendingWrite[] {
    return [...this.#pending.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((entry) => entry[1]);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Pending writes are snapshotted when the iteration starts; writes made while iterating are not seen. */
  async *iterate(range: IterateRange = {}): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const reverse = range.reverse ?? false;
    let remaining = range.limit ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    const start = range.start === undefined ? undefined : keyString(range.start);
    const end = range.end === undefined ? undefined : keyString(range.end);
    const pending: [string, PendingWrite][] = [];
    for (const entry of this.#pending) {
      if (start !== undefined && entry[0] < start) continue;
      if (end !== undefined && entry[0] >= end) continue;
      pending.push(entry);
    }
    pending.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    if (reverse) pending.reverse();
    const parentRange: IterateRange = { reverse };
    if (range.start !== undefined) parentRange.start = range.start;
    if (range.end !== undefined) parentRange.end = range.end;
    const parent = this.#parent.iterate(parentRange)[Symbol.asyncIterator]();
    try {
      let next = await parent.next();
      let index = 0;
      while (remaining > 0) {
        const mine = pending[index];
        if (next.done === true && mine === undefined) return;
        let order: number;
        if (next.done === true) order = -1;
        else if (mine === undefined) order = 1;
        else {
          const theirs = keyString(next.value[0]);
          order = mine[0] === theirs ? 0 : mine[0] < theirs !== reverse ? -1 : 1;
        }
        if (order <= 0) {
          // Pending writes shadow the parent's entry for the same key.
          index++;
          if (order === 0) next = await parent.next();
          const value = mine![1].value;
          if (value !== undefined) {
            yield [mine![1].key, value];
            remaining--;
          }
        } else {
          yield next.value as [Uint8Array, Uint8Array];
          remaining--;
          next = await parent.next();
        }
      }
    } finally {
      await parent.return?.();
    }
  }
}
