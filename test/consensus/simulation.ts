// Deterministic simulation of a 4-validator cluster (TigerBeetle VOPR style): one seeded PRNG drives
// network delay, loss, duplication, reordering and healing partitions, a crash and WAL restart of an
// honest node, and a byzantine validator that equivocates. Time is simulated (Clock + TimerScheduler
// injected into the real TendermintEngine); each event runs to quiescence before the next, so a seed
// reproduces a run exactly. Invariants are checked on every run; see runSimulation's result.
import { BlockExecutor } from "../../chain/consensus/block-executor.ts";
import { CHAIN_STATE_KEY, type ChainState, decodeChainState } from "../../chain/consensus/chain-state.ts";
import type { Clock } from "../../chain/consensus/engine.ts";
import { genesisChainState } from "../../chain/consensus/genesis-state.ts";
import { PrivValidator } from "../../chain/consensus/privval.ts";
import {
  type ConsensusMessage,
  decodeConsensusMessage,
  encodeConsensusMessage,
} from "../../chain/consensus/tendermint/messages.ts";
import type { TimeoutConfig } from "../../chain/consensus/tendermint/types.ts";
import {
  type ConsensusTransport,
  type PeerId,
  TendermintEngine,
  type TimerScheduler,
} from "../../chain/consensus/tendermint-engine.ts";
import { Ed25519Signer } from "../../chain/crypto/ed25519.ts";
import { sha256, toHex } from "../../chain/crypto/hash.ts";
import { Mempool } from "../../chain/mempool/mempool.ts";
import type { Commit } from "../../chain/types/block.ts";
import { decodeBlock, encodeBlock } from "../../chain/types/block-codec.ts";
import { hashTxs } from "../../chain/types/hashes.ts";
import { hashHeader } from "../../chain/types/header.ts";
import { makePartSet } from "../../chain/types/part-set.ts";
import { timestampFromNanos } from "../../chain/types/time.ts";
import { proposalSignBytes, voteSignBytes } from "../../chain/types/vote.ts";
import { Mutex } from "../../chain/util/mutex.ts";
import type { Genesis } from "../../genesis/types.ts";
import {
  MemoryApplication,
  MemoryBlockStore,
  MemoryDisk,
  MemorySignStateStorage,
  MemoryWalStorage,
} from "../helpers/memory-chain.ts";

export const SIM_TIMEOUTS: TimeoutConfig = {
  proposeMs: 800,
  proposeDeltaMs: 200,
  prevoteMs: 400,
  prevoteDeltaMs: 100,
  precommitMs: 400,
  precommitDeltaMs: 100,
  commitMs: 200,
};
const VALIDATORS = 4;
const BYZANTINE = 3;
/** Faults (partitions, crash) happen before this simulated time; after it the network is whole. */
const FAULTY_UNTIL_MS = 15_000;
/** Liveness: after healing, every honest node must commit this many more heights ... */
const LIVENESS_HEIGHTS = 3;
/** ... within this much simulated time. */
const LIVENESS_BOUND_MS = 15_000;
const GENESIS_SECONDS = 1_700_000_000n;
/** Events per run: a logic error that loops (timers firing forever) fails instead of hanging. */
const MAX_EVENTS = 400_000;

/** mulberry32: small, fast, and the same on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SimEvent {
  at: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/** A binary heap of events ordered by (time, insertion order). */
class EventQueue {
  readonly #heap: SimEvent[] = [];
  #seq = 0;
  push(at: number, run: () => void): SimEvent {
    const event = { at, seq: this.#seq++, run, cancelled: false };
    const heap = this.#heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
    return event;
  }
  pop(): SimEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at !== b.at ? a.at < b.at : a.seq < b.seq;
}

interface SimNode {
  name: string;
  index: number;
  signer: Ed25519Signer;
  disk: MemoryDisk;
  wal: MemoryWalStorage;
  signState: MemorySignStateStorage;
  engine: TendermintEngine | undefined;
  handler: ((message: ConsensusMessage, from: PeerId) => void) | undefined;
  up: boolean;
  mempool: Mempool | undefined;
}

export interface SimulationOptions {
  seed: number;
  /** Simulated run length. */
  durationMs?: number;
  /** Print progress and faults. */
  verbose?: boolean;
}

export interface SimulationResult {
  seed: number;
  ok: boolean;
  failures: string[];
  heights: number[];
  evidenceAgainstByzantine: number;
  crashes: number;
  partitions: number;
  events: number;
  simulatedMs: number;
}

export function reproduceCommand(seed: number): string {
  return `npm run sim -- --seed ${seed}`;
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const seed = options.seed;
  const random = prng(seed);
  const durationMs = options.durationMs ?? FAULTY_UNTIL_MS + LIVENESS_BOUND_MS;
  const queue = new EventQueue();
  let now = 0;
  const failures: string[] = [];
  const fail = (message: string) => {
    if (failures.length < 20) failures.push(`t=${now}ms ${message}`);
  };
  const log = (message: string) => {
    if (options.verbose) console.log(`[seed ${seed} t=${now}ms] ${message}`);
  };

  const clock: Clock = {
    now: () => timestampFromNanos(GENESIS_SECONDS * 1_000_000_000n + BigInt(now) * 1_000_000n),
  };
  const timers: TimerScheduler = {
    setTimer: (delayMs, callback) => queue.push(now + delayMs, callback),
    clearTimer: (handle) => {
      (handle as SimEvent).cancelled = true;
    },
  };

  // Keys from the seed: the same cluster every time a seed is replayed.
  const nodes: SimNode[] = Array.from({ length: VALIDATORS }, (_, index) => ({
    name: `node${index}`,
    index,
    signer: new Ed25519Signer(sha256(new TextEncoder().encode(`sim validator ${index}`))),
    disk: new MemoryDisk(),
    wal: new MemoryWalStorage(),
    signState: new MemorySignStateStorage(),
    engine: undefined,
    handler: undefined,
    up: false,
    mempool: undefined,
  }));
  const byzantineAddress = toHex(nodes[BYZANTINE]!.signer.address);
  const genesis = {
    chainId: "sim-1",
    initialHeight: 1n,
    genesisTime: clock.now(),
    validators: nodes.map((node) => ({ pubKey: node.signer.publicKey, power: 10n })),
    consensusParams: {
      block: { maxBytes: 1_000_000n, maxGas: -1n },
      evidence: { maxAgeNumBlocks: 100_000n, maxAgeDurationNs: 172_800_000_000_000n, maxBytes: 1_048_576n },
      validator: { pubKeyTypes: ["ed25519"] },
      version: { app: 0n },
    },
  } as unknown as Genesis;

  // Invariant records: height -> block hash / app hash, per honest node (across restarts).
  const committedBlock = new Map<bigint, { hash: string; by: string }>();
  const appHashAt = new Map<bigint, { hash: string; by: string }>();
  const heights = nodes.map(() => 0);
  let evidenceAgainstByzantine = 0;

  // Network: partitions are sets of node indexes that cannot reach the others.
  let partition: Set<number> | undefined;
  const reachable = (a: number, b: number) =>
    partition === undefined || partition.has(a) === partition.has(b);
  const deliver = (from: SimNode, to: SimNode, bytes: Uint8Array) => {
    if (!reachable(from.index, to.index) || random() < 0.05) return; // 5% loss
    const copies = random() < 0.03 ? 2 : 1; // 3% duplication
    for (let c = 0; c < copies; c++) {
      const delay = 2 + Math.floor(random() * random() * 150); // mostly short, a long tail: reordering
      queue.push(now + delay, () => {
        if (!to.up || to.handler === undefined || !reachable(from.index, to.index)) return;
        to.handler(decodeConsensusMessage(bytes), from.name);
      });
    }
  };

  const transportFor = (node: SimNode): ConsensusTransport => ({
    broadcast: (message) => {
      if (node.index === BYZANTINE) return equivocate(node, message);
      const bytes = encodeConsensusMessage(message);
      for (const peer of nodes) if (peer !== node) deliver(node, peer, bytes);
    },
    sendTo: (peer, message) => {
      const target = nodes.find((n) => n.name === peer);
      if (target !== undefined) deliver(node, target, encodeConsensusMessage(message));
    },
    broadcastEvidence: () => {},
    onMessage: (handler) => {
      node.handler = handler;
    },
  });

  /** The byzantine validator signs a second, conflicting version of each proposal and vote and
   * shows each version to a different half of its peers (bypassing its double-sign guard). */
  const equivocate = (node: SimNode, message: ConsensusMessage) => {
    const peers = nodes.filter((n) => n !== node);
    const split = 1 + Math.floor(random() * (peers.length - 1));
    let other: ConsensusMessage | undefined;
    if (message.kind === "vote" && random() < 0.7) {
      const vote = message.vote;
      const blockId =
        vote.blockId.hash.length === 0
          ? {
              hash: sha256(new Uint8Array([now & 0xff, 1])),
              partSetHeader: { total: 1, hash: sha256(new Uint8Array([2])) },
            }
          : { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } };
      const conflicting = { ...vote, blockId };
      other = {
        kind: "vote",
        vote: { ...conflicting, signature: node.signer.sign(voteSignBytes(genesis.chainId, conflicting)) },
      };
    } else if (message.kind === "proposal" && random() < 0.7) {
      const block = message.blockBytes;
      const decoded = decodeBlock(block);
      const txs = [...decoded.data.txs, new TextEncoder().encode(`byzantine ${now}`)];
      const altered = { ...decoded, data: { txs }, header: { ...decoded.header, dataHash: hashTxs(txs) } };
      const blockBytes = encodeBlock(altered);
      const blockId = { hash: hashHeader(altered.header), partSetHeader: makePartSet(blockBytes).header };
      const proposal = { ...message.proposal, blockId };
      other = {
        kind: "proposal",
        proposal: { ...proposal, signature: node.signer.sign(proposalSignBytes(genesis.chainId, proposal)) },
        blockBytes,
      };
    }
    for (const [i, peer] of peers.entries()) {
      deliver(node, peer, encodeConsensusMessage(i < split || other === undefined ? message : other));
    }
  };

  const startNode = async (node: SimNode) => {
    const app = new MemoryApplication(node.disk);
    const blockStore = new MemoryBlockStore(node.disk);
    const mempool = new Mempool({ maxTxs: 1000, maxTotalBytes: 1_000_000, maxTxBytes: 10_000 });
    node.mempool = mempool;
    const saved = node.disk.get(CHAIN_STATE_KEY);
    let state: ChainState;
    let lastCommit: Commit;
    if (saved === undefined) {
      const { appHash } = await app.initChain();
      state = genesisChainState(genesis, appHash);
      lastCommit = {
        height: 0n,
        round: 0,
        blockId: { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } },
        signatures: [],
      };
    } else {
      state = decodeChainState(saved);
      lastCommit = (await blockStore.loadCommit(state.lastBlockHeight))!;
    }
    const executor = new BlockExecutor({
      app,
      blockStore,
      mempool,
      mempoolLock: new Mutex(),
      onCommitted: (committed) => {
        const height = committed.block.header.height;
        heights[node.index] = Number(height);
        if (node.index === BYZANTINE) return;
        const hash = toHex(committed.blockId.hash);
        const seen = committedBlock.get(height);
        if (seen === undefined) committedBlock.set(height, { hash, by: node.name });
        else if (seen.hash !== hash)
          fail(
            `SAFETY: ${node.name} committed ${hash.slice(0, 12)} at height ${height}, ${seen.by} committed ${seen.hash.slice(0, 12)}`,
          );
        const app = toHex(committed.state.appHash);
        const seenApp = appHashAt.get(height);
        if (seenApp === undefined) appHashAt.set(height, { hash: app, by: node.name });
        else if (seenApp.hash !== app)
          fail(
            `APP HASH: ${node.name} has ${app.slice(0, 12)} after height ${height}, ${seenApp.by} has ${seenApp.hash.slice(0, 12)}`,
          );
      },
    });
    const privValidator = await PrivValidator.load(node.signer, node.signState);
    node.engine = new TendermintEngine({
      executor,
      blockStore,
      privValidator,
      transport: transportFor(node),
      walStorage: node.wal,
      clock,
      timers,
      timeouts: SIM_TIMEOUTS,
      gossipIntervalMs: 1500,
      state,
      lastCommit,
      logger: {
        info: () => {},
        warn: (object, message) =>
          log(
            `${node.name} warn: ${message} ${JSON.stringify(object, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`,
          ),
        error: (object, message) =>
          log(`${node.name} error: ${message} ${String((object as { err?: unknown }).err)}`),
      },
      onError: (error) => fail(`${node.name} halted: ${(error as Error).stack ?? String(error)}`),
      onEvidence: (evidence) => {
        if (toHex(evidence.voteA.validatorAddress) === byzantineAddress) evidenceAgainstByzantine++;
        else if (node.index !== BYZANTINE)
          fail(
            `evidence against honest validator ${toHex(evidence.voteA.validatorAddress).slice(0, 12)} (double sign)`,
          );
      },
    });
    node.up = true;
    await node.engine.start();
  };

  const crashNode = async (node: SimNode) => {
    node.up = false;
    node.handler = undefined;
    await node.engine?.stop();
    node.engine = undefined;
    // A torn write: sometimes part of the unsynced tail survives.
    const unsynced = node.wal.unsyncedBytes;
    node.wal.crash(random() < 0.5 ? Math.floor(random() * (unsynced + 1)) : 0);
  };

  const settle = async () => {
    for (const node of nodes) await node.engine?.idle();
    await new Promise<void>((resolve) => setImmediate(resolve));
  };

  for (const node of nodes) await startNode(node);

  // Txs: a few per second into random mempools, so blocks carry data and app hashes move.
  let txCounter = 0;
  const scheduleTx = () =>
    queue.push(now + 100 + Math.floor(random() * 400), () => {
      const node = nodes[Math.floor(random() * VALIDATORS)]!;
      const tx = new TextEncoder().encode(`tx ${seed} ${txCounter++}`);
      const hash = node.mempool?.precheck(tx);
      if (hash !== undefined && node.up)
        node.mempool!.add(tx, hash, {
          code: 0,
          data: new Uint8Array(),
          log: "",
          info: "",
          gasWanted: 1n,
          gasUsed: 1n,
          events: [],
          codespace: "",
        });
      scheduleTx();
    });
  scheduleTx();

  // Partitions that heal.
  let partitions = 0;
  let at = 1000 + Math.floor(random() * 3000);
  while (at < FAULTY_UNTIL_MS - 2000) {
    const start = at;
    const length = 1000 + Math.floor(random() * 4000);
    const isolated = new Set<number>();
    for (let i = 0; i < VALIDATORS; i++) if (random() < 0.4) isolated.add(i);
    if (isolated.size > 0 && isolated.size < VALIDATORS) {
      partitions++;
      queue.push(start, () => {
        partition = isolated;
        log(`partition ${[...isolated].join(",")} | rest`);
      });
      queue.push(Math.min(start + length, FAULTY_UNTIL_MS), () => {
        partition = undefined;
        log("partition healed");
      });
    }
    at = start + length + 1000 + Math.floor(random() * 4000);
  }

  // One crash and restart of an honest node.
  let crashes = 0;
  const victim = nodes[Math.floor(random() * (VALIDATORS - 1))]!;
  const crashAt = 2000 + Math.floor(random() * (FAULTY_UNTIL_MS - 8000));
  const restartAt = Math.min(crashAt + 500 + Math.floor(random() * 5000), FAULTY_UNTIL_MS);
  const pendingActions: (() => Promise<void>)[] = [];
  queue.push(crashAt, () => {
    pendingActions.push(async () => {
      crashes++;
      log(`crash ${victim.name}`);
      await crashNode(victim);
    });
  });
  queue.push(restartAt, () => {
    pendingActions.push(async () => {
      log(`restart ${victim.name}`);
      await startNode(victim);
    });
  });

  let heightsAtHeal: number[] | undefined;
  queue.push(FAULTY_UNTIL_MS, () => {
    heightsAtHeal = [...heights];
    log(`healed; heights ${heights.join(",")}`);
  });

  let events = 0;
  for (;;) {
    const event = queue.pop();
    if (event === undefined || event.at > durationMs) break;
    if (event.cancelled) continue;
    now = event.at;
    if (++events > MAX_EVENTS) {
      fail(`more than ${MAX_EVENTS} events`);
      break;
    }
    event.run();
    await settle();
    while (pendingActions.length > 0) {
      await pendingActions.shift()!();
      await settle();
    }
    if (failures.length > 0 && failures.some((f) => f.includes("SAFETY") || f.includes("halted"))) break;
  }
  for (const node of nodes)
    if (node.engine !== undefined)
      log(
        `${node.name} ${JSON.stringify(node.engine.describe(), (_k, v) => (typeof v === "bigint" ? String(v) : v))}`,
      );
  for (const node of nodes) if (node.up) await crashNode(node);

  if (heightsAtHeal !== undefined && failures.length === 0) {
    nodes.forEach((node, index) => {
      if (index === BYZANTINE) return;
      if (heights[index]! < heightsAtHeal![index]! + LIVENESS_HEIGHTS)
        fail(
          `LIVENESS: ${node.name} went from height ${heightsAtHeal![index]} to ${heights[index]} in ${LIVENESS_BOUND_MS}ms after the network healed`,
        );
    });
  }
  return {
    seed,
    ok: failures.length === 0,
    failures,
    heights,
    evidenceAgainstByzantine,
    crashes,
    partitions,
    events,
    simulatedMs: now,
  };
}
