// The block store (BlockStore in types.ts) on the node's shared LevelDB: blocks, metas, commits,
// FinalizeBlock results, validator sets by height, the tx index and the event indexes. Writes are
// returned as batch operations for the node's per-block atomic batch; reads go to the DB directly.
import type { Event, FinalizeBlockResponse } from "../app/abci.ts";
import { txHashOf } from "../app/tx-hash.ts";
import type { BatchOperation } from "../db-keyspace.ts";
import type { Block, BlockID, Commit, Validator } from "../types/block.ts";
import { decodeBlock, decodeCommit, encodeBlock, encodeCommit } from "../types/block-codec.ts";
import { bytesEqual } from "../types/bytes.ts";
import { validatorSetHash } from "../types/validator-set.ts";
import { byteArena } from "./byte-arena.ts";
import {
  decodeBlockMeta,
  decodeExecTxResult,
  decodeResults,
  decodeStoreState,
  decodeTxRecord,
  decodeValidatorsInfo,
  encodeBlockMeta,
  encodeExecTxResult,
  encodeResults,
  encodeStoreState,
  encodeTxRecord,
  encodeValidatorsInfo,
  lastEncodingWellFormed,
} from "./codec.ts";
import { encodedEventKeys } from "./encoded-index.ts";
import {
  blockHashKey,
  eventKey,
  heightBytes,
  heightKey,
  PREFIX,
  prefixEnd,
  readHeight,
  STATE_KEY,
  txByHeightKey,
  txKey,
} from "./keys.ts";
import { indexedAttributes } from "./match.ts";
import { hashHex, pageOf, runSearch, type ScanBudget, type SearchHit, type SearchSource } from "./search.ts";
import type { BlockMeta, BlockStore, IndexedTx, SearchOptions } from "./types.ts";

/** CometBFT valSetCheckpointInterval: a full set is stored at least this often, so loading the set of
 * any height reads at most two records even if the set never changes. */
export const VALIDATOR_SET_CHECKPOINT_INTERVAL = 100_000n;
/** Heights one pruneBlocks call removes: bounds the batch size (about 10 deletes per height). */
export const MAX_PRUNE_HEIGHTS_PER_CALL = 1_000n;

/** What the store needs of classic-level (opened with keyEncoding and valueEncoding "view"). */
export interface BlockStoreDatabase {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  keys(options: {
    gte: Uint8Array;
    lt: Uint8Array;
    reverse?: boolean;
    limit?: number;
  }): AsyncIterable<Uint8Array>;
  iterator(options: { gte: Uint8Array; lt: Uint8Array }): AsyncIterable<[Uint8Array, Uint8Array]>;
}

/** Bytes of a tx hash at the start of a tx-by-height value (format 2: hash ‖ ExecTxResult). */
const HASH_BYTES = 32;

export class BlockStoreError extends Error {
  readonly code = "blockstore_invariant";
}

interface ValidatorsPointer {
  lastHeightChanged: bigint;
  hash: Uint8Array;
}

export class BlockStoreImpl implements BlockStore {
  readonly #db: BlockStoreDatabase;
  #base = 0n;
  #height = 0n;
  /** Last stored validator set (its change height and hash), to store sets only when they change. */
  #validators: ValidatorsPointer | undefined;
  #pending: { height: bigint; validators: ValidatorsPointer } | undefined;

  constructor(db: BlockStoreDatabase) {
    this.#db = db;
  }

  /** Loads base and height, and the last validator set pointer. */
  async open(): Promise<void> {
    const state = await this.#db.get(STATE_KEY);
    if (state === undefined) return;
    const { base, height } = decodeStoreState(state);
    this.#base = base;
    this.#height = height;
    const info = await this.#db.get(heightKey(PREFIX.validators, height));
    if (info === undefined) return;
    const pointer = decodeValidatorsInfo(info);
    const validators = await this.loadValidators(height);
    if (validators !== undefined)
      this.#validators = { lastHeightChanged: pointer.lastHeightChanged, hash: validatorSetHash(validators) };
  }

  base(): bigint {
    return this.#base;
  }

  height(): bigint {
    return this.#height;
  }

  async loadBlock(height: bigint): Promise<Block | undefined> {
    const bytes = await this.#db.get(heightKey(PREFIX.block, height));
    return bytes === undefined ? undefined : decodeBlock(bytes);
  }

  /** The stored block proto exactly as saved (for block parts and block sync). */
  async loadBlockBytes(height: bigint): Promise<Uint8Array | undefined> {
    return this.#db.get(heightKey(PREFIX.block, height));
  }

  async loadBlockByHash(hash: Uint8Array): Promise<Block | undefined> {
    const height = await this.#db.get(blockHashKey(hash));
    return height === undefined ? undefined : this.loadBlock(readHeight(height, 0));
  }

  async loadBlockMeta(height: bigint): Promise<BlockMeta | undefined> {
    const bytes = await this.#db.get(heightKey(PREFIX.blockMeta, height));
    return bytes === undefined ? undefined : decodeBlockMeta(bytes);
  }

  async loadCommit(height: bigint): Promise<Commit | undefined> {
    const canonical = await this.#db.get(heightKey(PREFIX.commit, height));
    if (canonical !== undefined) return decodeCommit(canonical);
    const seen = await this.loadSeenCommit(height);
    if (seen !== undefined) return seen;
    // Block height+1 may have committed between the two reads, moving the seen commit to canonical.
    const moved = await this.#db.get(heightKey(PREFIX.commit, height));
    return moved === undefined ? undefined : decodeCommit(moved);
  }

  /** The +2/3 precommits this node saw for `height` (kept until block height+1 is saved). */
  async loadSeenCommit(height: bigint): Promise<Commit | undefined> {
    const seen = await this.#db.get(heightKey(PREFIX.seenCommit, height));
    return seen === undefined ? undefined : decodeCommit(seen);
  }

  async loadResults(height: bigint): Promise<FinalizeBlockResponse | undefined> {
    const bytes = await this.#db.get(heightKey(PREFIX.results, height));
    if (bytes === undefined) return undefined;
    const results = decodeResults(bytes);
    // Format 1 kept the tx results in this record too; format 2 keeps each only by (height, index).
    if (results.txResults.length > 0) return results;
    const gte = heightKey(PREFIX.txByHeight, height);
    for await (const [, value] of this.#db.iterator({ gte, lt: prefixEnd(gte) })) {
      if (value.length <= HASH_BYTES) break;
      results.txResults.push(decodeExecTxResult(value.subarray(HASH_BYTES)));
    }
    return results;
  }

  async loadValidators(height: bigint): Promise<Validator[] | undefined> {
    const bytes = await this.#db.get(heightKey(PREFIX.validators, height));
    if (bytes === undefined) return undefined;
    const info = decodeValidatorsInfo(bytes);
    if (info.validators !== undefined) return info.validators;
    const changed = await this.#db.get(heightKey(PREFIX.validators, info.lastHeightChanged));
    if (changed === undefined) return undefined;
    const set = decodeValidatorsInfo(changed).validators;
    if (set === undefined) throw new BlockStoreError(`validators at ${info.lastHeightChanged} hold no set`);
    return set;
  }

  async loadTx(hash: Uint8Array): Promise<IndexedTx | undefined> {
    return this.#loadTx(hash, undefined);
  }

  /** loadTx; `known` is the `19` entry of a (height, index) the caller has read already, used when the
   * tx's record points there. */
  async #loadTx(
    hash: Uint8Array,
    known: { height: bigint; index: number; entry: Uint8Array } | undefined,
  ): Promise<IndexedTx | undefined> {
    const bytes = await this.#db.get(txKey(hash));
    if (bytes === undefined) return undefined;
    const { height, index, tx, result } = decodeTxRecord(bytes);
    // Format 2: the result is stored once, beside the hash in the tx's (height, index) entry.
    if (result !== undefined) return { hash, height, index, tx, result };
    const entry =
      known !== undefined && known.height === height && known.index === index
        ? known.entry
        : await this.#db.get(txByHeightKey(height, index));
    if (entry === undefined || entry.length <= HASH_BYTES)
      throw new BlockStoreError(`tx ${height}/${index} has no stored result`);
    return { hash, height, index, tx, result: decodeExecTxResult(entry.subarray(HASH_BYTES)) };
  }

  async searchTxs(query: string, options: SearchOptions): Promise<{ txs: IndexedTx[]; totalCount: number }> {
    const loaded = new Map<string, IndexedTx>();
    const hits = await runSearch(this.#txSource(loaded), query);
    const page = pageOf(hits, options);
    const txs: IndexedTx[] = [];
    for (const hit of page) {
      const tx = loaded.get(`${hit.height}/${hit.index}`) ?? (await this.#loadTxAt(hit));
      if (tx === undefined) throw new BlockStoreError(`tx index entry ${hit.height}/${hit.index} has no tx`);
      txs.push(tx);
    }
    return { txs, totalCount: hits.length };
  }

  async searchBlocks(
    query: string,
    options: SearchOptions,
  ): Promise<{ heights: bigint[]; totalCount: number }> {
    const hits = await runSearch(this.#blockSource(), query);
    return { heights: pageOf(hits, options).map((hit) => hit.height), totalCount: hits.length };
  }

  async #loadTxAt(hit: SearchHit): Promise<IndexedTx | undefined> {
    let known: { height: bigint; index: number; entry: Uint8Array } | undefined;
    if (hit.hash.length === 0) {
      // The entry holds the hash, and (format 2) the result loadTx would read it again for.
      const entry = await this.#db.get(txByHeightKey(hit.height, hit.index));
      if (entry === undefined) return undefined;
      hit.hash = entry.subarray(0, HASH_BYTES);
      known = { height: hit.height, index: hit.index, entry };
    }
    const tx = await this.#loadTx(hit.hash, known);
    // A tx included twice leaves the older index entries pointing at the newer record: skip those.
    if (tx === undefined || tx.height !== hit.height || tx.index !== hit.index) return undefined;
    return tx;
  }

  #txSource(loaded: Map<string, IndexedTx>): SearchSource {
    return {
      db: this.#db,
      eventPrefixByte: PREFIX.txEvent,
      heightTag: "tx.height",
      implicitTags: new Set(["tx.hash"]),
      implicitValue: (_tag, hit) => hashHex(hit.hash),
      loadEvents: async (hit) => {
        const tx = await this.#loadTxAt(hit);
        if (tx === undefined) return undefined;
        loaded.set(`${hit.height}/${hit.index}`, tx);
        return tx.result.events;
      },
      scanAll: (bounds, budget) => this.#scanTxs(bounds, budget),
      lookup: async (conditions) => {
        const byHash = conditions.find(
          (c) => c.tag === "tx.hash" && c.op === "=" && c.value?.kind === "string",
        );
        if (byHash?.value === undefined || byHash.value.kind !== "string") return undefined;
        if (!/^[0-9a-fA-F]{64}$/.test(byHash.value.text)) return [];
        const tx = await this.loadTx(fromHexLoose(byHash.value.text));
        return tx === undefined ? [] : [{ height: tx.height, index: tx.index, hash: tx.hash }];
      },
    };
  }

  async #scanTxs(bounds: { low: bigint; high: bigint }, budget: ScanBudget): Promise<SearchHit[]> {
    const hits: SearchHit[] = [];
    const gte = txByHeightKey(bounds.low, 0);
    const lt =
      bounds.high >= 2n ** 63n - 1n
        ? Uint8Array.of(PREFIX.txByHeight + 1)
        : txByHeightKey(bounds.high + 1n, 0);
    for await (const key of this.#db.keys({ gte, lt })) {
      budget.step();
      const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
      hits.push({ height: view.getBigUint64(1), index: view.getUint32(9), hash: new Uint8Array(0) });
    }
    return hits;
  }

  #blockSource(): SearchSource {
    return {
      db: this.#db,
      eventPrefixByte: PREFIX.blockEvent,
      heightTag: "block.height",
      implicitTags: new Set(),
      implicitValue: () => "",
      loadEvents: async (hit): Promise<Event[] | undefined> => {
        if (hit.height < this.#base || hit.height > this.#height) return undefined;
        // The block's own events: its tx results are not needed.
        const bytes = await this.#db.get(heightKey(PREFIX.results, hit.height));
        return bytes === undefined ? undefined : decodeResults(bytes).events;
      },
      scanAll: async (bounds, budget) => {
        const low = maxBigint(bounds.low, this.#base);
        const high = minBigint(bounds.high, this.#height);
        const hits: SearchHit[] = [];
        for (let height = low; height <= high && height > 0n; height++) {
          budget.step();
          hits.push({ height, index: 0, hash: new Uint8Array(0) });
        }
        return hits;
      },
    };
  }

  saveBlockOperations(input: {
    block: Block;
    blockId: BlockID;
    blockSize: number;
    seenCommit: Commit;
    results: FinalizeBlockResponse;
    validators: Validator[];
  }): BatchOperation[] {
    const { block, blockId, blockSize, seenCommit, results, validators } = input;
    const { header } = block;
    const height = header.height;
    if (this.#height !== 0n && height !== this.#height + 1n)
      throw new BlockStoreError(`cannot save block ${height}: store height is ${this.#height}`);
    if (results.txResults.length !== block.data.txs.length)
      throw new BlockStoreError(
        `block ${height}: ${results.txResults.length} results for ${block.data.txs.length} txs`,
      );
    if (seenCommit.height !== height)
      throw new BlockStoreError(`block ${height}: seen commit for ${seenCommit.height}`);
    const validatorsHash = validatorSetHash(validators);
    if (!bytesEqual(validatorsHash, header.validatorsHash))
      throw new BlockStoreError(`block ${height}: validators do not hash to header.validators_hash`);

    const put = (key: Uint8Array, value: Uint8Array): BatchOperation => ({ type: "put", key, value });
    // The block's small arrays (results, records, index keys) as views of a few shared chunks.
    const allocate = byteArena();
    const blockBytes = encodeBlock(block);
    const ops: BatchOperation[] = [
      put(STATE_KEY, encodeStoreState({ base: this.#base === 0n ? height : this.#base, height })),
      put(
        heightKey(PREFIX.blockMeta, height),
        encodeBlockMeta({ blockId, blockSize, header, numTxs: block.data.txs.length }),
      ),
      put(heightKey(PREFIX.block, height), blockBytes),
      put(blockHashKey(blockId.hash), heightKey(0, height).subarray(1)),
      put(heightKey(PREFIX.seenCommit, height), encodeCommit(seenCommit)),
      // Format 2: the block's results without its tx results, which are stored once, by (height, index).
      put(heightKey(PREFIX.results, height), encodeResults(results, [])),
    ];
    if (height > 1n && block.lastCommit.height === height - 1n) {
      // The canonical commit of height-1 is now known; its seen commit is no longer needed.
      ops.push(put(heightKey(PREFIX.commit, height - 1n), encodeCommit(block.lastCommit)));
      ops.push({ type: "del", key: heightKey(PREFIX.seenCommit, height - 1n) });
    }

    const previous = this.#validators;
    const changed =
      previous === undefined ||
      !bytesEqual(previous.hash, validatorsHash) ||
      height % VALIDATOR_SET_CHECKPOINT_INTERVAL === 0n;
    const pointer = changed ? { lastHeightChanged: height, hash: validatorsHash } : previous;
    ops.push(
      put(
        heightKey(PREFIX.validators, height),
        encodeValidatorsInfo({
          lastHeightChanged: pointer.lastHeightChanged,
          validators: changed ? validators : undefined,
        }),
      ),
    );
    this.#pending = { height, validators: pointer };

    const empty = new Uint8Array(0);
    block.data.txs.forEach((tx, index) => {
      // CometBFT's tx hash (chain/types txHash), usually known already from ingress.
      const { hash } = txHashOf(tx);
      const result = results.txResults[index]!;
      // Encoded once, straight into its entry after the tx hash: stored as it is, and its event index
      // keys read from it (a separate encoding copied into the entry took ~1 KiB more of the arena per
      // MsgSend, kept until the block's batch is written).
      let entry: Uint8Array | undefined;
      const encodedResult = encodeExecTxResult(result, (length) => {
        entry = allocate(HASH_BYTES + length);
        return entry.subarray(HASH_BYTES);
      });
      entry!.set(hash);
      const byHeight = txByHeightKey(height, index);
      ops.push(put(txKey(hash), encodeTxRecord({ height, index, tx }, undefined, allocate)));
      ops.push(put(byHeight, entry!));
      const suffix = byHeight.subarray(1);
      // From the encoding, whose bytes are each string's UTF-8 when every string was well-formed (no
      // event strings encoded again); otherwise, or for a tx with too many pairs, from the events.
      const keys = lastEncodingWellFormed()
        ? encodedEventKeys(PREFIX.txEvent, encodedResult, suffix, allocate)
        : undefined;
      if (keys !== undefined) for (const key of keys) ops.push(put(key, empty));
      else
        for (const { compositeKey, value } of indexedAttributes(result.events))
          ops.push(put(eventKey(PREFIX.txEvent, compositeKey, value, suffix, allocate), empty));
    });
    const heightSuffix = heightBytes(height);
    for (const { compositeKey, value } of indexedAttributes(results.events))
      ops.push(put(eventKey(PREFIX.blockEvent, compositeKey, value, heightSuffix), empty));
    return ops;
  }

  markCommitted(height: bigint): void {
    if (this.#pending?.height !== height)
      throw new BlockStoreError(`markCommitted(${height}) without saveBlockOperations for it`);
    this.#validators = this.#pending.validators;
    this.#pending = undefined;
    this.#height = height;
    if (this.#base === 0n) this.#base = height;
  }

  /** Operations that delete blocks below `retainHeight` (at most MAX_PRUNE_HEIGHTS_PER_CALL of
   * them), and the base they leave. The tx index and event indexes are kept; block_search skips
   * pruned heights. Call markPruned(base) once the batch is written. */
  async pruneBlocks(retainHeight: bigint): Promise<{ operations: BatchOperation[]; base: bigint }> {
    if (retainHeight <= this.#base || this.#height === 0n) return { operations: [], base: this.#base };
    if (retainHeight > this.#height)
      throw new RangeError(`cannot prune to ${retainHeight}: store height is ${this.#height}`);
    const end =
      retainHeight < this.#base + MAX_PRUNE_HEIGHTS_PER_CALL
        ? retainHeight
        : this.#base + MAX_PRUNE_HEIGHTS_PER_CALL;
    const operations: BatchOperation[] = [];
    // Heights at and above the new base may point at the validator set stored at an older change
    // height (CometBFT keeps that record too); a record kept by an earlier prune goes once unused.
    const keep = await this.#validatorsChangeHeight(end);
    const keptBefore = await this.#validatorsChangeHeight(this.#base);
    if (keptBefore !== undefined && keptBefore < this.#base && keptBefore !== keep)
      operations.push({ type: "del", key: heightKey(PREFIX.validators, keptBefore) });
    for (let height = this.#base; height < end; height++) {
      const meta = await this.loadBlockMeta(height);
      if (meta !== undefined) operations.push({ type: "del", key: blockHashKey(meta.blockId.hash) });
      for (const prefix of [PREFIX.blockMeta, PREFIX.block, PREFIX.commit, PREFIX.seenCommit, PREFIX.results])
        operations.push({ type: "del", key: heightKey(prefix, height) });
      if (height !== keep) operations.push({ type: "del", key: heightKey(PREFIX.validators, height) });
    }
    operations.push({
      type: "put",
      key: STATE_KEY,
      value: encodeStoreState({ base: end, height: this.#height }),
    });
    return { operations, base: end };
  }

  markPruned(base: bigint): void {
    if (base < this.#base || base > this.#height)
      throw new BlockStoreError(`markPruned(${base}) out of range`);
    this.#base = base;
  }

  async #validatorsChangeHeight(height: bigint): Promise<bigint | undefined> {
    const info = await this.#db.get(heightKey(PREFIX.validators, height));
    return info === undefined ? undefined : decodeValidatorsInfo(info).lastHeightChanged;
  }
}

// Math.min/max do not take bigint.
function maxBigint(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function minBigint(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function fromHexLoose(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
