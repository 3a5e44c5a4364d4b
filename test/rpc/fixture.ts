// An in-memory RpcBackend over a few constructed blocks, for the RPC transport's unit tests. The
// block store answers searches with the RPC's own event-query matcher over each tx's composite
// keys; the real block store and node are exercised by the e2e tests.
import type { CheckTxResponse, Event, ExecTxResult, FinalizeBlockResponse } from "../../chain/app/abci.ts";
import type { BlockMeta, BlockStore, IndexedTx, SearchOptions } from "../../chain/blockstore/types.ts";
import { bytesEqual, sha256, toHex, utf8 } from "../../chain/crypto/hash.ts";
import type { NodeEvent, NodeStatus, RpcBackend } from "../../chain/rpc/backend.ts";
import { matchesEventQuery, parseEventQuery } from "../../chain/rpc/event-query.ts";
import {
  type Block,
  type BlockID,
  BlockIDFlag,
  type Commit,
  type Header,
  type Validator,
} from "../../chain/types/block.ts";

export const CHAIN_ID = "sensorchain-test-1";
export const SENDER = "sensor1qyqszqgpqyqszqgpqyqszqgpqyqszqgp8apuk5";
/** Txs in block 3: more than one default page (30) so paging is exercised. */
export const BLOCK3_TX_COUNT = 35;

const bytes = (length: number, fill: number): Uint8Array => new Uint8Array(length).fill(fill);
export const validators: Validator[] = [
  { address: bytes(20, 0xa1), pubKey: bytes(32, 0x11), votingPower: 10n, proposerPriority: -5n },
  { address: bytes(20, 0xa2), pubKey: bytes(32, 0x22), votingPower: 7n, proposerPriority: 5n },
];

function txEvents(i: number): Event[] {
  return [
    {
      type: "message",
      attributes: [
        { key: "action", value: "/cosmos.bank.v1beta1.MsgSend", index: true },
        { key: "sender", value: SENDER, index: true },
        { key: "msg_index", value: String(i), index: true },
      ],
    },
  ];
}

export function makeTx(height: bigint, index: number): Uint8Array {
  return utf8.encode(`tx-${height}-${index}`);
}

function execResult(i: number): ExecTxResult {
  return {
    code: i === 1 ? 5 : 0,
    data: i === 1 ? new Uint8Array() : Uint8Array.of(0x12, 0x02, 0x0a, 0x00),
    log: i === 1 ? "insufficient funds" : "",
    info: "",
    gasWanted: 200000n,
    gasUsed: 80000n + BigInt(i),
    events: txEvents(i),
    codespace: i === 1 ? "sdk" : "",
  };
}

function blockId(height: bigint): BlockID {
  return {
    hash: bytes(32, Number(height)),
    partSetHeader: { total: 1, hash: bytes(32, 0x80 + Number(height)) },
  };
}
const EMPTY_BLOCK_ID: BlockID = {
  hash: new Uint8Array(),
  partSetHeader: { total: 0, hash: new Uint8Array() },
};

function commitFor(height: bigint): Commit {
  return {
    height,
    round: 0,
    blockId: blockId(height),
    signatures: [
      {
        blockIdFlag: BlockIDFlag.commit,
        validatorAddress: validators[0]!.address,
        timestamp: { seconds: 1_700_000_000n + height, nanos: 120_000_000 },
        signature: bytes(64, 0x55),
      },
      {
        blockIdFlag: BlockIDFlag.absent,
        validatorAddress: new Uint8Array(),
        timestamp: { seconds: 0n, nanos: 0 },
        signature: new Uint8Array(),
      },
    ],
  };
}

function makeHeader(height: bigint): Header {
  return {
    version: { block: 11n, app: 0n },
    chainId: CHAIN_ID,
    height,
    time: { seconds: 1_700_000_000n + height, nanos: height === 2n ? 0 : 123_456_789 },
    lastBlockId: height === 1n ? EMPTY_BLOCK_ID : blockId(height - 1n),
    lastCommitHash: bytes(32, 0x31),
    dataHash: bytes(32, 0x32),
    validatorsHash: bytes(32, 0x33),
    nextValidatorsHash: bytes(32, 0x33),
    consensusHash: bytes(32, 0x34),
    appHash: bytes(32, 0x40 + Number(height)),
    lastResultsHash: new Uint8Array(),
    evidenceHash: new Uint8Array(),
    proposerAddress: validators[0]!.address,
  };
}

export function makeBlock(height: bigint, txCount: number): Block {
  return {
    header: makeHeader(height),
    data: { txs: Array.from({ length: txCount }, (_, i) => makeTx(height, i)) },
    evidence: [],
    lastCommit:
      height === 1n
        ? { height: 0n, round: 0, blockId: EMPTY_BLOCK_ID, signatures: [] }
        : commitFor(height - 1n),
  };
}

function compositeKeys(tx: IndexedTx): Record<string, string[]> {
  const map: Record<string, string[]> = {
    "tx.hash": [toHex(tx.hash).toUpperCase()],
    "tx.height": [tx.height.toString()],
  };
  for (const event of tx.result.events) {
    for (const attribute of event.attributes)
      (map[`${event.type}.${attribute.key}`] ??= []).push(attribute.value);
  }
  return map;
}

function page<T>(items: T[], options: SearchOptions): T[] {
  const ordered = options.orderBy === "desc" ? [...items].reverse() : items;
  return ordered.slice((options.page - 1) * options.perPage, options.page * options.perPage);
}

export interface TestChain {
  backend: RpcBackend;
  blocks: Block[];
  txs: IndexedTx[];
  /** Pushes an event to every subscribed listener, as the node does after a commit. */
  emit(event: NodeEvent): void;
  listenerCount(): number;
  /** Makes waitForTx resolve for this tx (as if a block included it). */
  include(tx: Uint8Array, height: bigint): void;
  broadcasted: Uint8Array[];
}

export function makeTestChain(options: { base?: bigint } = {}): TestChain {
  const blocks = [makeBlock(1n, 0), makeBlock(2n, 2), makeBlock(3n, BLOCK3_TX_COUNT)];
  const results = new Map<bigint, FinalizeBlockResponse>();
  const txs: IndexedTx[] = [];
  for (const block of blocks) {
    const txResults = block.data.txs.map((_, i) => execResult(i));
    results.set(block.header.height, {
      events: [{ type: "mint", attributes: [{ key: "amount", value: "100uapp", index: true }] }],
      txResults,
      validatorUpdates: block.header.height === 2n ? [{ pubKey: bytes(32, 0x33), power: 3n }] : [],
      appHash: bytes(32, 0x41 + Number(block.header.height)),
    });
    block.data.txs.forEach((tx, index) => {
      txs.push({ hash: sha256(tx), height: block.header.height, index, tx, result: txResults[index]! });
    });
  }
  const byHeight = (height: bigint): Block | undefined => blocks.find((b) => b.header.height === height);

  const blockStore: BlockStore = {
    base: () => options.base ?? 1n,
    height: () => BigInt(blocks.length),
    loadBlock: async (height) => byHeight(height),
    loadBlockByHash: async (hash) => blocks.find((b) => bytesEqual(blockId(b.header.height).hash, hash)),
    async loadBlockMeta(height): Promise<BlockMeta | undefined> {
      const block = byHeight(height);
      if (block === undefined) return undefined;
      return {
        blockId: blockId(height),
        blockSize: 1000 + block.data.txs.length,
        header: block.header,
        numTxs: block.data.txs.length,
      };
    },
    loadCommit: async (height) => (byHeight(height) === undefined ? undefined : commitFor(height)),
    loadResults: async (height) => results.get(height),
    loadValidators: async () => validators,
    loadTx: async (hash) => txs.find((tx) => bytesEqual(tx.hash, hash)),
    async searchTxs(query, options) {
      const parsed = parseEventQuery(query);
      const matches = txs.filter((tx) => matchesEventQuery(parsed, compositeKeys(tx)));
      return { txs: page(matches, options), totalCount: matches.length };
    },
    async searchBlocks(query, options) {
      const parsed = parseEventQuery(query);
      const heights = blocks
        .map((b) => b.header.height)
        .filter((height) => matchesEventQuery(parsed, { "block.height": [height.toString()] }));
      return { heights: page(heights, options), totalCount: heights.length };
    },
    saveBlockOperations: () => [],
    markCommitted: () => {},
  };

  const listeners = new Set<(event: NodeEvent) => void>();
  const waiters = new Map<string, (height: bigint) => void>();
  const included = new Map<string, bigint>();
  const broadcasted: Uint8Array[] = [];
  const checkResult = (tx: Uint8Array): CheckTxResponse => {
    const rejected = utf8.decode(tx).startsWith("bad");
    return {
      code: rejected ? 4 : 0,
      data: new Uint8Array(),
      log: rejected ? "signature verification failed: unauthorized" : "",
      info: "",
      gasWanted: 100000n,
      gasUsed: 5000n,
      events: [],
      codespace: rejected ? "sdk" : "",
    };
  };

  const latest = blocks.at(-1)!;
  const status: NodeStatus = {
    nodeId: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
    listenAddress: "tcp://0.0.0.0:26656",
    rpcAddress: "tcp://127.0.0.1:26657",
    chainId: CHAIN_ID,
    moniker: "test-node",
    version: "0.1.0",
    latestBlockHash: blockId(3n).hash,
    latestAppHash: latest.header.appHash,
    latestBlockHeight: 3n,
    latestBlockTime: latest.header.time,
    earliestBlockHash: blockId(1n).hash,
    earliestAppHash: blocks[0]!.header.appHash,
    earliestBlockHeight: 1n,
    earliestBlockTime: blocks[0]!.header.time,
    catchingUp: false,
    validator: { address: validators[0]!.address, pubKey: validators[0]!.pubKey, votingPower: 10n },
  };

  const backend: RpcBackend = {
    status: async () => status,
    blockStore,
    abciInfo: async () => ({
      data: "sensorchain",
      version: "0.1.0",
      appVersion: 1n,
      lastBlockHeight: 3n,
      lastBlockAppHash: latest.header.appHash,
    }),
    async abciQuery(request) {
      if (request.path === "/boom") throw new Error("query exploded");
      if (request.path !== "/store/bank/key") {
        return {
          code: 6,
          log: `unknown query path ${request.path}`,
          info: "",
          index: 0n,
          key: new Uint8Array(),
          value: new Uint8Array(),
          proofOps: [],
          height: 0n,
          codespace: "sdk",
        };
      }
      return {
        code: 0,
        log: "",
        info: "",
        index: 0n,
        key: request.data,
        value: utf8.encode(`value-of-${toHex(request.data)}`),
        proofOps: request.prove
          ? [{ type: "ics23:smt", key: request.data, data: Uint8Array.of(1, 2, 3) }]
          : [],
        height: request.height === 0n ? 3n : request.height,
        codespace: "",
      };
    },
    async broadcastTx(tx) {
      broadcasted.push(tx);
      return checkResult(tx);
    },
    checkTx: async (tx) => checkResult(tx),
    waitForTx(hash, signal) {
      const key = toHex(hash);
      return new Promise((resolve, reject) => {
        const finish = (height: bigint): void => {
          waiters.delete(key);
          resolve({ height, index: 0, result: execResult(0) });
        };
        const known = included.get(key);
        if (known !== undefined) return finish(known);
        if (signal.aborted) return reject(signal.reason);
        waiters.set(key, finish);
        signal.addEventListener("abort", () => {
          waiters.delete(key);
          reject(signal.reason);
        });
      });
    },
    genesis: async () => ({
      genesis_time: "2023-11-14T22:13:20Z",
      chain_id: CHAIN_ID,
      initial_height: "1",
      consensus_params: {
        block: { max_bytes: "22020096", max_gas: "-1" },
        evidence: { max_age_num_blocks: "100000", max_age_duration: "172800000000000", max_bytes: "1048576" },
        validator: { pub_key_types: ["ed25519"] },
        version: { app: "0" },
      },
      validators: [
        {
          address: "A1".repeat(20),
          pub_key: {
            type: "tendermint/PubKeyEd25519",
            value: "ERERERERERERERERERERERERERERERERERERERERERE=",
          },
          power: "10",
          name: "v0",
        },
      ],
      app_hash: "",
      app_state: { bank: { balances: [] } },
    }),
    consensusParams: async () => ({
      block: { maxBytes: 22020096n, maxGas: -1n },
      evidence: { maxAgeNumBlocks: 100000n, maxAgeDurationNs: 172800000000000n, maxBytes: 1048576n },
      validator: { pubKeyTypes: ["ed25519"] },
      version: { app: 0n },
    }),
    validators: async (height) => (height >= 1n && height <= 3n ? validators : undefined),
    netInfo: async () => ({
      listening: true,
      listeners: ["tcp://0.0.0.0:26656"],
      peers: [{ nodeId: "ff".repeat(20), remoteIp: "10.0.0.2", moniker: "peer" }],
    }),
    unconfirmedTxs: async (limit) => {
      const pool = [utf8.encode("pending-1"), utf8.encode("pending-22")];
      const shown = pool.slice(0, limit);
      return { count: shown.length, total: pool.length, totalBytes: 19, txs: shown };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  return {
    backend,
    blocks,
    txs,
    broadcasted,
    emit: (event) => {
      for (const listener of listeners) listener(event);
    },
    listenerCount: () => listeners.size,
    include(tx, height) {
      const key = toHex(sha256(tx));
      included.set(key, height);
      waiters.get(key)?.(height);
    },
  };
}

export { blockId, execResult };
