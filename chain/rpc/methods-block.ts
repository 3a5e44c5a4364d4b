// Block routes: block, block_by_hash, header, header_by_hash, block_results, blockchain, commit,
// block_search.
import { toBase64 } from "../crypto/hash.ts";
import type { RpcBackend } from "./backend.ts";
import type { RpcMethod } from "./context.ts";
import { internalError } from "./errors.ts";
import {
  encodeBlock,
  encodeBlockId,
  encodeBlockMeta,
  encodeCommit,
  encodeConsensusParams,
  encodeEvents,
  encodeHeader,
  encodeTxResult,
  encodeValidatorUpdate,
  type JsonObject,
} from "./json.ts";
import {
  blockchainRange,
  checkPage,
  resolveHeight,
  resolveOrderBy,
  resolvePage,
  resolvePerPage,
} from "./paging.ts";
import { type Params, requiredBytes, requiredString } from "./params.ts";

async function loadBlockResult(backend: RpcBackend, height: bigint): Promise<JsonObject> {
  const store = backend.blockStore;
  const [block, meta] = await Promise.all([store.loadBlock(height), store.loadBlockMeta(height)]);
  if (block === undefined || meta === undefined) throw internalError(`block at height ${height} not found`);
  return { block_id: encodeBlockId(meta.blockId), block: encodeBlock(block) };
}

/** CometBFT answers a missing block with nulls, not an error (block 0 on an empty chain). */
const EMPTY_BLOCK_RESULT: JsonObject = {
  block_id: { hash: "", parts: { total: 0, hash: "" } },
  block: null,
};

const block: RpcMethod = {
  params: ["height"],
  async run({ backend }, params) {
    const height = resolveHeight(backend.blockStore, params);
    if (height === 0n) return EMPTY_BLOCK_RESULT;
    return loadBlockResult(backend, height);
  },
};

async function heightByHash(backend: RpcBackend, params: Params): Promise<bigint | undefined> {
  const found = await backend.blockStore.loadBlockByHash(requiredBytes(params, "hash"));
  return found?.header.height;
}

const blockByHash: RpcMethod = {
  params: ["hash"],
  async run({ backend }, params) {
    const height = await heightByHash(backend, params);
    return height === undefined ? EMPTY_BLOCK_RESULT : loadBlockResult(backend, height);
  },
};

async function loadHeader(backend: RpcBackend, height: bigint): Promise<JsonObject> {
  const meta = await backend.blockStore.loadBlockMeta(height);
  if (meta === undefined) throw internalError(`header at height ${height} not found`);
  return { header: encodeHeader(meta.header) };
}

const header: RpcMethod = {
  params: ["height"],
  async run({ backend }, params) {
    const height = resolveHeight(backend.blockStore, params);
    return height === 0n ? { header: null } : loadHeader(backend, height);
  },
};

const headerByHash: RpcMethod = {
  params: ["hash"],
  async run({ backend }, params) {
    const height = await heightByHash(backend, params);
    return height === undefined ? { header: null } : loadHeader(backend, height);
  },
};

const blockResults: RpcMethod = {
  params: ["height"],
  async run({ backend }, params) {
    const height = resolveHeight(backend.blockStore, params);
    const results = await backend.blockStore.loadResults(height);
    if (results === undefined) throw internalError(`could not find results for height #${height}`);
    return {
      height: height.toString(),
      txs_results: results.txResults.length === 0 ? null : results.txResults.map(encodeTxResult),
      finalize_block_events: encodeEvents(results.events),
      validator_updates: results.validatorUpdates.map(encodeValidatorUpdate),
      consensus_param_updates:
        results.consensusParamUpdates === undefined
          ? null
          : encodeConsensusParams(results.consensusParamUpdates),
      app_hash: toBase64(results.appHash),
    };
  },
};

const blockchain: RpcMethod = {
  params: ["minHeight", "maxHeight"],
  async run({ backend }, params) {
    const store = backend.blockStore;
    const { min, max } = blockchainRange(store, params);
    const metas: JsonObject[] = [];
    for (let height = max; height >= min; height--) {
      const meta = await store.loadBlockMeta(height);
      if (meta !== undefined) metas.push(encodeBlockMeta(meta));
    }
    return { last_height: store.height().toString(), block_metas: metas };
  },
};

const commit: RpcMethod = {
  params: ["height"],
  async run({ backend }, params) {
    const store = backend.blockStore;
    const height = resolveHeight(store, params);
    const [meta, found] = await Promise.all([store.loadBlockMeta(height), store.loadCommit(height)]);
    if (meta === undefined || found === undefined)
      throw internalError(`commit for height ${height} not found`);
    // The latest block's commit is the node's own seen commit, which another +2/3 may replace:
    // only a commit included in the next block is canonical.
    return {
      signed_header: { header: encodeHeader(meta.header), commit: encodeCommit(found) },
      canonical: height < store.height(),
    };
  },
};

const blockSearch: RpcMethod = {
  params: ["query", "page", "per_page", "order_by"],
  async run({ backend }, params) {
    const query = requiredString(params, "query");
    const page = resolvePage(params);
    const perPage = resolvePerPage(params);
    const orderBy = resolveOrderBy(params);
    const found = await backend.blockStore.searchBlocks(query, { page, perPage, orderBy });
    checkPage(page, perPage, found.totalCount);
    const blocks: JsonObject[] = [];
    for (const height of found.heights) blocks.push(await loadBlockResult(backend, height));
    return { blocks, total_count: found.totalCount.toString() };
  },
};

export const BLOCK_METHODS: Record<string, RpcMethod> = {
  block,
  block_by_hash: blockByHash,
  header,
  header_by_hash: headerByHash,
  block_results: blockResults,
  blockchain,
  commit,
  block_search: blockSearch,
};
