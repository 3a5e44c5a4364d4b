// Concrete Context: a cache layer, a gas meter and an event manager for one tx, message or hook.
import type { KVStore, MultiStore, VersionedReader } from "../store/types.ts";
import type { Timestamp } from "../types/block.ts";
import { EventManager } from "./events.ts";
import { GasKVStore, GasMeter, INFINITE_GAS } from "./gas.ts";
import type { Context, ExecMode, QueryContext, QueryStore } from "./module.ts";

export interface BlockInfo {
  height: bigint;
  time: Timestamp;
  chainId: string;
}

export class StoreContext implements Context {
  readonly height: bigint;
  readonly time: Timestamp;
  readonly chainId: string;
  readonly mode: ExecMode;
  readonly gasMeter: GasMeter;
  readonly events: EventManager;
  readonly signers: readonly string[];
  readonly #multiStore: MultiStore;
  /** The gas-metered stores handed out, by name: shared with forMessage's contexts (same cache layer
   * and meter). */
  readonly #stores: Map<string, KVStore>;

  constructor(
    block: BlockInfo,
    mode: ExecMode,
    multiStore: MultiStore,
    gasMeter: GasMeter = new GasMeter(INFINITE_GAS),
    signers: readonly string[] = [],
    events: EventManager = new EventManager(),
    stores: Map<string, KVStore> = new Map(),
  ) {
    this.height = block.height;
    this.time = block.time;
    this.chainId = block.chainId;
    this.mode = mode;
    this.gasMeter = gasMeter;
    this.signers = signers;
    this.events = events;
    this.#multiStore = multiStore;
    this.#stores = stores;
  }

  store(name: string): KVStore {
    let store = this.#stores.get(name);
    if (store === undefined) {
      store = new GasKVStore(this.#multiStore.store(name), this.gasMeter);
      this.#stores.set(name, store);
    }
    return store;
  }

  /** Same block, mode, cache layer and events with another gas meter: reads the caller must not charge. */
  withGasMeter(gasMeter: GasMeter): StoreContext {
    return new StoreContext(this, this.mode, this.#multiStore, gasMeter, this.signers, this.events);
  }

  /** Same block, mode, cache layer and gas meter, with the tx's signers and its own events (one message
   * of a tx running in place): the gas-metered stores are shared. */
  forMessage(signers: readonly string[], events: EventManager): StoreContext {
    return new StoreContext(this, this.mode, this.#multiStore, this.gasMeter, signers, events, this.#stores);
  }
}

/** store.setOwned(key, value) where the store has it, else store.set: for keepers writing a fresh
 * encoding under a shared key (balances, accounts), which the cache may keep without copying. */
export function setOwned(store: KVStore, key: Uint8Array, value: Uint8Array): void {
  if (store.setOwned === undefined) store.set(key, value);
  else store.setOwned(key, value);
}

/** Query context over committed state at one version. */
export function readerQueryContext(reader: VersionedReader): QueryContext {
  return {
    height: BigInt(reader.version),
    store(name: string): QueryStore {
      return {
        get: (key) => reader.get(name, key),
        iterate: (range) => reader.iterate(name, range),
      };
    },
  };
}
