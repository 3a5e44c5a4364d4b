// What the node, RPC and block sync need from the block store. Saving returns LevelDB operations
// instead of writing, so the node can commit them in the application's state batch (atomic per block).

import type { ExecTxResult, FinalizeBlockResponse } from "../app/abci.ts";
import type { BatchOperation } from "../db-keyspace.ts";
import type { Block, BlockID, Commit, Header, Validator } from "../types/block.ts";

export interface BlockMeta {
  blockId: BlockID;
  blockSize: number;
  header: Header;
  numTxs: number;
}

export interface IndexedTx {
  hash: Uint8Array;
  height: bigint;
  index: number;
  tx: Uint8Array;
  result: ExecTxResult;
}

export interface SearchOptions {
  /** 1-based page. */
  page: number;
  perPage: number;
  orderBy: "asc" | "desc";
}

export interface BlockStore {
  /** Lowest stored height (after pruning), 0 if empty. */
  base(): bigint;
  /** Highest committed height, 0 if empty. */
  height(): bigint;
  loadBlock(height: bigint): Promise<Block | undefined>;
  loadBlockByHash(hash: Uint8Array): Promise<Block | undefined>;
  loadBlockMeta(height: bigint): Promise<BlockMeta | undefined>;
  /** The commit for `height`: the last_commit of block height+1 once it exists, else the seen commit. */
  loadCommit(height: bigint): Promise<Commit | undefined>;
  loadResults(height: bigint): Promise<FinalizeBlockResponse | undefined>;
  /** Validator set that signs block `height` (stored whenever it changes). */
  loadValidators(height: bigint): Promise<Validator[] | undefined>;
  loadTx(hash: Uint8Array): Promise<IndexedTx | undefined>;
  /** CometBFT query language (`tx.height=5 AND message.sender='sensor1…'`, <, <=, >, >=, CONTAINS, EXISTS). */
  searchTxs(query: string, options: SearchOptions): Promise<{ txs: IndexedTx[]; totalCount: number }>;
  /** FinalizeBlock (block-level) events and block.height, searched the same way, for block_search
   * (tx events are not block events, as in CometBFT 0.38's block indexer). */
  searchBlocks(query: string, options: SearchOptions): Promise<{ heights: bigint[]; totalCount: number }>;
  /** Operations that save a committed block with its seen commit, results, the validator set that
   * signed it (`validators`, must hash to header.validators_hash; stored in full only when it
   * changes) and the tx/block indexes. */
  saveBlockOperations(input: {
    block: Block;
    blockId: BlockID;
    blockSize: number;
    seenCommit: Commit;
    results: FinalizeBlockResponse;
    validators: Validator[];
  }): BatchOperation[];
  /** Tell the store the batch holding saveBlockOperations(height) has been written. */
  markCommitted(height: bigint): void;
}
