// Wires one node together: LevelDB → state store → application → block store → mempool →
// consensus engine → RPC. Everything persistent lives in one LevelDB (data/chain.db) so that each
// block commits in one atomic batch (chain/db-keyspace.ts).

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { ClassicLevel } from "classic-level";
import { type RunningBridge, startBridge } from "../bridge-mqtt/bridge.ts";
import { lateBridgeRoute } from "../bridge-mqtt/consumers/history.ts";
import type { Genesis } from "../genesis/genesis.ts";
import { pb as poaProto, validatorFromProto } from "../modules/poa/codec.ts";
import { QUERY_VALIDATORS } from "../modules/poa/type-urls.ts";
import type { Application } from "./app/abci.ts";
import { identityBlobRoute } from "./blobs/node-route.ts";
import { openBlockStore } from "./blockstore/open.ts";
import type { NodeConfig } from "./config/config.ts";
import { loadNodeKey } from "./config/node-keys.ts";
import { parseListenAddress } from "./config/schema.ts";
import { BlockExecutor } from "./consensus/block-executor.ts";
import { CHAIN_STATE_KEY, type ChainState, decodeChainState } from "./consensus/chain-state.ts";
import { type Clock, clockMs, systemClock } from "./consensus/engine.ts";
import { EvidencePool } from "./consensus/evidence-pool.ts";
import { genesisChainState, genesisInitChainRequest } from "./consensus/genesis-state.ts";
import { FileSignStateStorage, PrivValidator } from "./consensus/privval.ts";
import { SoloEngine } from "./consensus/solo.ts";
import { encodeEvidence } from "./consensus/tendermint/evidence.ts";
import { DEFAULT_TIMEOUTS } from "./consensus/tendermint/types.ts";
import { FileWalStorage } from "./consensus/wal.ts";
import type { Ed25519Signer } from "./crypto/ed25519.ts";
import { Secp256k1VerifyPool } from "./crypto/secp256k1-pool.ts";
import { Mempool, MempoolError } from "./mempool/mempool.ts";
import { createApplication } from "./node/application.ts";
import { BftRunner } from "./node/bft-runner.ts";
import { NodeEvents } from "./node/events.ts";
import { createNodeMetrics, metricsRoute } from "./node/metrics.ts";
import { createRpcBackend } from "./node/rpc-backend.ts";
import { TxIngress } from "./node/tx-ingress.ts";
import { BlockSyncer, serveBlockSync } from "./p2p/blocksync.ts";
import { ConsensusGossip } from "./p2p/consensus-gossip.ts";
import { P2PHost } from "./p2p/host.ts";
import { createP2PMetrics } from "./p2p/metrics.ts";
import { cometNodeId, parsePeerAddresses } from "./p2p/peers.ts";
import { chainTopics } from "./p2p/topics.ts";
import { TxGossip } from "./p2p/tx-gossip.ts";
import { startRpcServer } from "./rpc/server.ts";
import { DB_OPTIONS } from "./store/db.ts";
import type { Commit } from "./types/block.ts";
import { Mutex } from "./util/mutex.ts";

/** LevelDB memtable of a node, bytes (as DB_OPTIONS). A devnet validator writes ~5.5 KB to LevelDB per
 * MsgSend (`leveldbMb` in the committed-block log), so two memtables can hold up to 64 MB of the 400 MB a
 * validator may use; but the bridge writes every reading into this LevelDB too, and with 16 MB the
 * 10,000-device bench fell behind on write stalls (session 6, same quiet window: PUBACK p50 0.3-2.2 s,
 * p99 1.8-2.6 s with 16 MB against p50 43 ms, p99 315 ms with 32 MB; node CPU 130-146% vs 143%). */
const NODE_WRITE_BUFFER_BYTES = 32 * 1024 * 1024;

/** V8's old generation may grow to (1 + this/100) × what survived the last full GC before the next
 * one. V8 picks up to 4× on its own (a 4 GB heap limit on this 24 GB machine): a validator's old space
 * is mostly garbage promoted with pending txs (they outlive two scavenges), and a loaded devnet
 * validator's old generation grew for a whole run without a full GC while ~60 MB of it was live (heap
 * snapshot: mostly code and module sources). 2× caps that garbage at about the live size. MsgSend
 * pipeline (scripts/bench/tx.ts, 12,000 txs, load 16-27), three runs each: peak RSS 422-445 MB against
 * 481-510 MB, CPU per tx within the runs' noise (V8 GC threads ~+10 µs). A node started with its own
 * --heap-growing-percent keeps it. */
export const HEAP_GROWING_PERCENT = 100;

export interface Logger {
  debug?(object: object, message: string): void;
  info(object: object | string, message?: string): void;
  warn(object: object | string, message?: string): void;
  error(object: object | string, message?: string): void;
}

export interface NodeOptions {
  home: string;
  config: NodeConfig;
  genesis: Genesis;
  /** The raw genesis JSON, served by the `genesis` RPC method as it was given. */
  genesisJson?: unknown;
  signer: Ed25519Signer;
  nodeId: string;
  logger: Logger;
  clock?: Clock;
}

export interface RunningNode {
  rpcAddress: string;
  stop(): Promise<void>;
  /** Resolves if the node halts on its own (a broken invariant or I/O failure). */
  halted: Promise<unknown>;
}

export async function createNode(options: NodeOptions): Promise<RunningNode> {
  const { config, genesis, logger } = options;
  // V8 reads it at every full GC's limit computation, so it applies from the next one on.
  if (!process.execArgv.some((flag) => flag.startsWith("--heap-growing-percent")))
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  const dataDir = join(options.home, "data");
  await mkdir(dataDir, { recursive: true });
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dataDir, "chain.db"), {
    ...DB_OPTIONS,
    writeBufferSize: NODE_WRITE_BUFFER_BYTES,
  });
  await db.open();

  const app = await createApplication({ db, genesis, config });
  const blockStore = await openBlockStore(db);
  const mempool = new Mempool({
    maxTxs: config.mempool.size,
    maxTotalBytes: config.mempool.maxTxsBytes,
    maxTxBytes: config.mempool.maxTxBytes,
  });
  const mempoolLock = new Mutex();
  const events = new NodeEvents();

  let state: ChainState;
  let lastCommit: Commit;
  const info = await app.info();
  const savedState = await db.get(CHAIN_STATE_KEY);
  if (savedState !== undefined) {
    state = decodeChainState(savedState);
    const seen = await blockStore.loadCommit(state.lastBlockHeight);
    if (seen === undefined) throw new Error(`block store has no commit for height ${state.lastBlockHeight}`);
    lastCommit = seen;
  } else {
    if (info.lastBlockHeight > 0n) throw new Error("state exists but the chain state record is missing");
    // An app hash at height 0 means genesis was committed and the node stopped before block 1.
    const appHash =
      info.lastBlockAppHash.length > 0
        ? info.lastBlockAppHash
        : (await app.initChain(genesisInitChainRequest(genesis))).appHash;
    state = genesisChainState(genesis, appHash);
    lastCommit = emptyCommit();
    logger.info(
      { chainId: genesis.chainId, appHash: Buffer.from(appHash).toString("hex") },
      "chain state from genesis",
    );
  }
  if (info.lastBlockHeight > state.lastBlockHeight) {
    throw new Error(
      `app height ${info.lastBlockHeight} is ahead of the chain state ${state.lastBlockHeight}`,
    );
  }

  // Signature verification on every core (docs/ARCHITECTURE.md, "Signature verification pool").
  const verifyPool = new Secp256k1VerifyPool({ size: config.mempool.verifyWorkers });
  // Set once the p2p layer exists: txs admitted through RPC are gossiped from here.
  let gossipTx: ((tx: Uint8Array) => void) | undefined;
  const ingress = new TxIngress({
    app,
    mempool,
    mempoolLock,
    verifier: verifyPool,
    onAccepted: (tx) => gossipTx?.(tx),
  });
  let refreshValidatorPeers: (() => Promise<void>) | undefined;
  // Duplicate votes found by the engine or received by gossip, verified, offered to proposals.
  const evidencePool = new EvidencePool({ blockStore, logger, db });
  const executor = new BlockExecutor({
    app,
    blockStore,
    evidence: evidencePool,
    mempool,
    mempoolLock,
    maxBlockTxs: config.consensus.maxBlockTxs,
    preverify: async (txs) => {
      try {
        await ingress.preverify(txs);
      } catch (error) {
        // A full verification queue: finalizeBlock verifies what has no verdict itself.
        if (!(error instanceof MempoolError)) throw error;
      }
    },
    onRechecked: ({ height, recheckMs, txs, dropped }) =>
      logger.debug?.(
        { height: Number(height), recheckMs: Math.round(recheckMs), txs, dropped },
        "mempool rechecked",
      ),
    onCommitted: (committed) => {
      logger.info(
        {
          height: Number(committed.block.header.height),
          txs: committed.block.data.txs.length,
          appHash: Buffer.from(committed.state.appHash).toString("hex"),
          ...roundedTimings(committed.timings),
          mempool: mempool.size,
          // Signatures verified in the pool so far and the messages that carried them (batching).
          verified: verifyPool.verified,
          verifyBatches: verifyPool.batches,
          ...memoryMb(),
          // Memtables (up to two of NODE_WRITE_BUFFER_BYTES) and LevelDB's block cache.
          leveldbMb: Math.round(Number(db.getProperty("leveldb.approximate-memory-usage")) / 1024 / 1024),
        },
        "committed block",
      );
      events.publish(committed);
      if ((committed.results.validatorUpdates ?? []).length > 0)
        refreshValidatorPeers?.().catch((error: unknown) =>
          logger.warn({ err: error }, "validator peers not refreshed"),
        );
    },
  });

  let resolveHalted!: (reason: unknown) => void;
  const halted = new Promise<unknown>((resolve) => {
    resolveHalted = resolve;
  });
  const onError = (error: unknown) => {
    logger.error({ err: error }, "consensus halted");
    resolveHalted(error);
  };
  const clock = options.clock ?? systemClock;

  // One validator that is this node: the solo engine, no network (docs/ARCHITECTURE.md). Anything
  // else (several validators, or this node is not the validator): libp2p + block sync + Tendermint.
  const solo =
    state.validators.length === 1 &&
    Buffer.compare(state.validators[0]!.pubKey, options.signer.publicKey) === 0;
  let engine: { readonly state: ChainState; start(): Promise<void> | void; stop(): Promise<void> };
  let network: { host: P2PHost; txGossip: TxGossip; runner: BftRunner } | undefined;
  const metrics = createP2PMetrics();
  if (solo) {
    engine = new SoloEngine({
      executor,
      signer: options.signer,
      clock,
      // The producer paces its blocks start to start already: block_interval when set, as the BFT
      // engine does, else timeout_commit (one validator has no late precommits to wait for).
      blockIntervalMs:
        config.consensus.blockIntervalMs > 0
          ? config.consensus.blockIntervalMs
          : config.consensus.timeoutCommitMs,
      state,
      lastCommit,
      onError,
    });
  } else {
    const topics = chainTopics(state.chainId);
    const host = await P2PHost.create({
      nodeKeySeed: loadNodeKey(config.paths.nodeKeyFile).seed,
      laddr: config.p2p.laddr,
      persistentPeers: parsePeerAddresses(config.p2p.persistentPeers),
      validatorPeerIds: new Set(config.p2p.validatorPeers),
      metrics,
      logger,
    });
    let runner: BftRunner | undefined;
    const addEvidence = (bytes: Uint8Array) => {
      const current = runner?.state;
      if (current === undefined) return;
      evidencePool
        .add(bytes, current)
        .catch((error: unknown) => logger.warn({ err: error }, "evidence not added"));
    };
    const txGossip = new TxGossip({
      host,
      topic: topics.txs,
      maxTxBytes: config.mempool.maxTxBytes,
      metrics,
      submitBatch: (txs) => ingress.submitBatch(txs),
    });
    const gossip = new ConsensusGossip({
      host,
      topics,
      metrics,
      view: () => runner?.view(),
      onEvidence: addEvidence,
      // Proposals travel as tx hashes; receivers rebuild them from these (chain/p2p/compact-proposal.ts).
      txs: (hashHex) => mempool.get(hashHex) ?? txGossip.arriving(hashHex),
      beforeProposal: () => txGossip.flush(),
    });
    await gossip.serveProposalTxs();
    gossipTx = (tx) => txGossip.gossip(tx);
    await serveBlockSync(host, topics.blocksync, blockStore, metrics);
    const privValidator = await PrivValidator.load(
      options.signer,
      new FileSignStateStorage(config.paths.privValidatorStateFile),
    );
    runner = new BftRunner({
      executor,
      blockStore,
      privValidator,
      gossip,
      syncer: new BlockSyncer({ host, protocol: topics.blocksync, executor, metrics, logger }),
      walStorage: () => new FileWalStorage(join(dataDir, "cs.wal")),
      timeouts: { ...DEFAULT_TIMEOUTS, commitMs: config.consensus.timeoutCommitMs },
      blockIntervalMs: config.consensus.blockIntervalMs,
      clock,
      state,
      lastCommit,
      metrics,
      logger,
      onError,
      // Txs admitted during the height go out in one batch, in time for the next proposer's reap, and
      // those admitted while the block executes just before the next height's round 0 (then, briefly,
      // the RPC txs that queued on the mempool lock while it executed, without waiting 500 ms).
      onDecided: () => txGossip.flush(),
      beforeNextHeight: () => txGossip.hurry(),
      onEvidence: (evidence) => {
        logger.warn(
          {
            height: Number(evidence.voteA.height),
            validator: Buffer.from(evidence.voteA.validatorAddress).toString("hex"),
          },
          "duplicate vote evidence",
        );
        addEvidence(encodeEvidence(evidence));
      },
    });
    await host.start();
    network = { host, txGossip, runner };
    // Validators' node ids come from the poa module's records (config p2p.validator_peers overrides).
    refreshValidatorPeers = async () => {
      if (config.p2p.validatorPeers.length > 0) return;
      const ids = await poaValidatorNodeIds(app);
      if (ids === undefined) return;
      const used = host.setValidatorPeers(ids);
      logger.info({ validatorPeers: used.length }, "validator peers from the poa module");
    };
    await refreshValidatorPeers();
    const started = runner;
    engine = {
      get state() {
        return started.state;
      },
      start: () => started.start(),
      stop: () => started.stop(),
    };
  }

  let rpcAddress = "";
  const backend = createRpcBackend({
    app,
    blockStore,
    mempool,
    mempoolLock,
    events,
    signer: options.signer,
    chainState: () => engine.state,
    submitEvidence: (evidence) => evidencePool.submit(evidence, engine.state),
    catchingUp: () => network?.runner.catchingUp ?? false,
    peers: () =>
      network?.host
        .peers()
        .map((peer) => ({ nodeId: cometNodeId(peer.nodeId), remoteIp: peer.remoteIp, moniker: "" })) ?? [],
    p2pMetrics: () => ({ ...metrics }),
    genesis: options.genesisJson ?? genesis,
    nodeId: options.nodeId,
    moniker: config.moniker,
    listenAddress: config.p2p.laddr,
    rpcAddress: () => rpcAddress,
    ingress,
  });
  // Prometheus: one registry per node (GET /metrics); the bridge adds its metrics when it starts.
  const metricsRegistry = createNodeMetrics({
    height: () => engine.state.lastBlockHeight,
    mempoolSize: () => mempool.size,
    peers: () => network?.host.peers().length ?? 0,
    p2p: metrics,
  });
  // The bridge starts after the RPC server; its HTTP history is bound late (bridge-mqtt/README.md).
  let bridge: RunningBridge | undefined;
  const rpc = await startRpcServer({
    backend,
    laddr: config.rpc.laddr,
    corsAllowedOrigins: config.rpc.corsAllowedOrigins,
    maxBodyBytes: config.rpc.maxBodyBytes,
    maxOpenConnections: config.rpc.maxOpenConnections,
    timeoutBroadcastTxCommitMs: config.rpc.timeoutBroadcastTxCommitMs,
    logger,
    extraRoutes: [
      identityBlobRoute(db, app),
      metricsRoute(metricsRegistry),
      lateBridgeRoute(() => bridge?.consumers.route, config.mqtt.enabled),
    ],
  });
  rpcAddress = rpc.address;
  // The MQTT bridge reads devices through the app's query path and drops cached records that a
  // committed tx changed (bridge-mqtt/README.md).
  if (config.mqtt.enabled) {
    const { host, port } = parseListenAddress(config.mqtt.laddr, "mqtt.laddr");
    bridge = await startBridge({
      db,
      config: config.mqtt,
      home: options.home,
      chainId: state.chainId,
      listen: { host, port },
      logger,
      metricsRegistry,
      now: () => clockMs(clock),
      query: (path, data) => app.query({ path, data, height: 0n, prove: false }),
      chain: {
        submitTx: (tx) => ingress.submit(tx),
        subscribe: (listener) => events.subscribe(listener),
        minimumGasPrices: config.app.minimumGasPrices,
      },
      ...(network === undefined
        ? {}
        : {
            network: {
              host: network.host,
              nodeKeySeed: loadNodeKey(config.paths.nodeKeyFile).seed,
              isValidatorPeer: (peerId: string) => network!.host.isValidatorPeer(peerId),
            },
          }),
    });
    logger.info({ mqtt: bridge.url }, "mqtt bridge listening");
  }
  logger.info({ rpc: rpc.address, height: Number(state.lastBlockHeight) }, "node started");
  await engine.start();

  let stopping: Promise<void> | undefined;
  return {
    rpcAddress,
    halted,
    stop() {
      stopping ??= (async () => {
        await engine.stop();
        // A recheck still running after the last block holds the lock: let it finish before closing.
        await mempoolLock.run(async () => {});
        network?.txGossip.stop();
        await network?.host.stop();
        await rpc.close();
        await bridge?.stop();
        await verifyPool.close();
        await db.close();
        logger.info("node stopped");
      })();
      return stopping;
    },
  };
}

function emptyCommit(): Commit {
  return {
    height: 0n,
    round: 0,
    blockId: { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } },
    signatures: [],
  };
}

function roundedTimings(timings: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(timings ?? {})) out[key] = Math.round(value);
  return out;
}

/** Where the node's memory is, MB (in each committed-block line: the devnet's memory bound). */
function memoryMb(): Record<string, number> {
  const usage = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  return {
    rssMb: mb(usage.rss),
    heapMb: mb(usage.heapUsed),
    heapTotalMb: mb(usage.heapTotal),
    externalMb: mb(usage.external),
    arrayBuffersMb: mb(usage.arrayBuffers),
    // The V8 heap's share by generation (committed): the young generation is bounded by
    // --max-semi-space-size (VALIDATOR_NODE_FLAGS), the old one by what the node retains.
    ...heapSpacesMb(),
  };
}

function heapSpacesMb(): { youngMb: number; oldMb: number; largeMb: number } {
  let young = 0;
  let old = 0;
  let large = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === "new_space" || space.space_name === "new_large_object_space")
      young += space.space_size;
    else if (space.space_name.includes("large_object")) large += space.space_size;
    else old += space.space_size;
  }
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  return { youngMb: mb(young), oldMb: mb(old), largeMb: mb(large) };
}

/** libp2p node ids of the poa module's current validators (not jailed, power > 0); undefined when the
 * module is inert (no records) or the query fails. */
async function poaValidatorNodeIds(app: Application): Promise<string[] | undefined> {
  const response = await app.query({
    path: QUERY_VALIDATORS,
    data: new Uint8Array(),
    height: 0n,
    prove: false,
  });
  if (response.code !== 0) return undefined;
  const { validators } = poaProto.QueryValidatorsResponse.decode(response.value);
  if (validators.length === 0) return undefined;
  return validators
    .map(validatorFromProto)
    .filter((v) => !v.jailed && v.power !== 0n && v.nodeId !== "")
    .map((v) => v.nodeId);
}
