// `sensorchain export --height H`: the state at version H in genesis format. Every module's
// exportGenesis runs over a read-only in-memory copy of the store contents at H (state-storage
// history), so any retained version can be exported while the latest moves on.
//
// Guarantee: a chain started from the exported genesis (initChain of its app_state) commits genesis
// state whose app hash equals the app hash of version H — the same key/value set in every store,
// hence the same SMT roots. It is the store state that is reproduced, not the chain's history:
// blocks, tx results, events and the block store are not part of it, and the new chain has its own
// genesis time and validator set history (its validators are app_state.poa's, or the old list).
// Known gap: genesis/parse.ts (`genesis validate`, `start`) accepts only BaseAccount in
// app_state.auth, and the export holds module accounts (escrow): the app's initChain accepts the
// exported app_state (test/audit/replay.test.ts), the node's genesis parser does not yet.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { BaseApplication } from "../app/application.ts";
import { compareBytes, toBase64, toHex } from "../crypto/hash.ts";
import { modules } from "../node/application.ts";
import { openStoppedHomeDb } from "../replay.ts";
import { openCommitMultiStore } from "../store/multistore.ts";
import { multistoreRoot } from "../store/simple-merkle.ts";
import {
  type IterateRange,
  type KVStore,
  type MultiStore,
  StoreError,
  type VersionedReader,
} from "../store/types.ts";
import { validatorAddress } from "../types/validator-set.ts";

export interface ExportResult {
  height: bigint;
  /** App hash of the state at `height` (published in the header of block height + 1). */
  appHash: Uint8Array;
  /** The original genesis document with app_state (and validators, initial_height) of `height`. */
  genesis: Record<string, unknown>;
}

export async function exportAtHeight(input: { home: string; height: bigint }): Promise<ExportResult> {
  const { db } = await openStoppedHomeDb(input.home, "exporting");
  try {
    const list = modules();
    const store = await openCommitMultiStore({ db, storeNames: BaseApplication.storeNames(list) });
    const version = Number(input.height);
    const roots = await store.storeRoots(version);
    const appHash = multistoreRoot([...roots].map(([name, root]) => ({ name, root })));
    const state = await snapshotMultiStore(store.readerAt(version), [...roots.keys()]);
    const original = JSON.parse(await readFile(join(input.home, "config", "genesis.json"), "utf8")) as Record<
      string,
      unknown
    >;
    const app = new BaseApplication({ store, modules: list, chainId: String(original["chain_id"]) });
    const appState = await app.exportGenesis({ state, height: input.height + 1n });
    const genesis: Record<string, unknown> = {
      ...original,
      initial_height: String(input.height + 1n),
      app_state: appState,
    };
    const validators = poaValidators(appState);
    if (validators !== undefined) genesis["validators"] = validators;
    return { height: input.height, appHash, genesis };
  } finally {
    await db.close();
  }
}

/** app_state.poa's validators with power as CometBFT genesis validators; undefined without poa ones. */
function poaValidators(appState: Record<string, unknown>) {
  const list = (appState["poa"] as { validators?: Record<string, unknown>[] } | undefined)?.validators;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list
    .filter((v) => String(v["power"] ?? "0") !== "0")
    .map((v) => {
      const key = Buffer.from(String(v["pub_key"]), "base64");
      return {
        address: toHex(validatorAddress(key)).toUpperCase(),
        pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(key) },
        power: String(v["power"]),
        name: String(v["moniker"] ?? ""),
      };
    });
}

/** Every store's entries at the reader's version, held in memory as read-only KVStores: module
 * genesis export reads synchronously. Memory is the size of the state, as the export itself. */
export async function snapshotMultiStore(
  reader: VersionedReader,
  names: readonly string[],
): Promise<MultiStore> {
  const stores = new Map<string, KVStore>();
  for (const name of names) {
    const entries: [Uint8Array, Uint8Array][] = [];
    for await (const entry of reader.iterate(name)) entries.push(entry);
    stores.set(name, new SnapshotStore(entries));
  }
  return {
    store(name) {
      const found = stores.get(name);
      if (found === undefined) throw new StoreError("unknown_store", `store ${name} is not mounted`);
      return found;
    },
    storeNames: () => [...stores.keys()],
  };
}

class SnapshotStore implements KVStore {
  readonly #entries: [Uint8Array, Uint8Array][];
  readonly #byKey: Map<string, Uint8Array>;

  constructor(sorted: [Uint8Array, Uint8Array][]) {
    this.#entries = sorted;
    this.#byKey = new Map(sorted.map(([key, value]) => [toHex(key), value]));
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.#byKey.get(toHex(key));
  }

  has(key: Uint8Array): boolean {
    return this.#byKey.has(toHex(key));
  }

  set(): void {
    throw new TypeError("an exported state is read-only");
  }

  delete(): void {
    throw new TypeError("an exported state is read-only");
  }

  async *iterate(range: IterateRange = {}): AsyncIterable<[Uint8Array, Uint8Array]> {
    // Modules scan many small prefixes: find the bounds by binary search, not a pass over the store.
    const from = range.start === undefined ? 0 : this.#lowerBound(range.start);
    const to = range.end === undefined ? this.#entries.length : this.#lowerBound(range.end);
    const inRange = this.#entries.slice(from, Math.max(from, to));
    if (range.reverse === true) inRange.reverse();
    let remaining = range.limit ?? Number.POSITIVE_INFINITY;
    for (const entry of inRange) {
      if (remaining-- <= 0) return;
      yield entry;
    }
  }

  /** Index of the first entry whose key is >= `key`. */
  #lowerBound(key: Uint8Array): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareBytes(this.#entries[middle]![0], key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
