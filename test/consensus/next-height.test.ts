// The engine keeps messages of height + 1 that arrive before it decides the current height and replays
// them after the decision (MAX_FUTURE_MESSAGES, MAX_FUTURE_BLOCK_BYTES). A deterministic in-process
// cluster of three validators (all three needed for 2/3+) with a simulated clock: precommits reach
// validator 2 late, so the others decide first and the next proposer's proposal and prevotes reach it
// while it still works on the old height. Gossip repetition is switched off (one hour): a dropped
// early proposal would leave validator 2 without it until timeout_propose and the height would need a
// second round. With the buffer every height is decided in round 0 without a single timeout.
import test from "ava";
import { BlockExecutor } from "../../chain/consensus/block-executor.ts";
import type { Clock } from "../../chain/consensus/engine.ts";
import { genesisChainState } from "../../chain/consensus/genesis-state.ts";
import { MAX_FUTURE_MESSAGES } from "../../chain/consensus/next-height-buffer.ts";
import { PrivValidator } from "../../chain/consensus/privval.ts";
import {
  type ConsensusMessage,
  decodeConsensusMessage,
  encodeConsensusMessage,
} from "../../chain/consensus/tendermint/messages.ts";
import {
  commitWaitMs,
  NEXT_HEIGHT_LEAD_MS,
  type PeerId,
  TendermintEngine,
  type TimerScheduler,
} from "../../chain/consensus/tendermint-engine.ts";
import { Ed25519Signer } from "../../chain/crypto/ed25519.ts";
import { sha256 } from "../../chain/crypto/hash.ts";
import { Mempool } from "../../chain/mempool/mempool.ts";
import { SignedMsgType } from "../../chain/types/block.ts";
import { timestampFromNanos } from "../../chain/types/time.ts";
import { Mutex } from "../../chain/util/mutex.ts";
import type { Genesis } from "../../genesis/types.ts";
import {
  MemoryApplication,
  MemoryBlockStore,
  MemoryDisk,
  MemorySignStateStorage,
  MemoryWalStorage,
} from "../helpers/memory-chain.ts";
import { SIM_TIMEOUTS } from "./simulation.ts";

/** The validator that receives precommits late. */
const SLOW = 2;
const FAST_DELAY_MS = 5;
const SLOW_PRECOMMIT_DELAY_MS = 100;
/** Shorter than the slow precommits' lag, so the next proposal arrives before validator 2 decides. */
const TIMEOUTS = { ...SIM_TIMEOUTS, commitMs: 20 };
/** Gossip repetition off: nothing dropped comes back before a timeout. */
const NO_GOSSIP_MS = 3_600_000;
/** Gossip repetition later than timeout_propose of round 0 (800 ms): a dropped proposal costs a round. */
const SLOW_GOSSIP_MS = 1_500;
const RUN_MS = 10_000;

interface Cluster {
  /** Heights each validator committed. */
  heights: number[];
  /** Simulated ms of each commit, per validator. */
  commitTimes: number[][];
  /** Heights some validator committed in a round > 0 ("validator h/round"). */
  laterRounds: string[];
  /** Info lines about timeouts (only those that moved a machine are logged at info). */
  timeoutLines: string[];
  /** Messages of a later height than the receiver's, delivered to it. */
  early: number;
  /** Messages the engines rejected (bad signature, unknown validator, ...). */
  rejected: number;
  failures: string[];
  /** Per validator, the simulated times at which beforeNextHeight ran. */
  beforeNextHeight: number[][];
  /** Proposals as their proposer broadcast them. */
  proposals: { from: number; height: bigint; at: number }[];
}

/** Runs the cluster for RUN_MS of simulated time; `inject` may add messages when validator 2 first
 * receives a message of the next height. */
async function runCluster(
  gossipIntervalMs: number,
  inject?: (first: ConsensusMessage, deliver: (message: ConsensusMessage) => void) => void,
  blockIntervalMs?: number,
): Promise<Cluster> {
  let now = 0;
  let seq = 0;
  const events: { at: number; seq: number; run: () => void; cancelled: boolean }[] = [];
  const schedule = (at: number, run: () => void) => {
    const event = { at, seq: seq++, run, cancelled: false };
    events.push(event);
    return event;
  };
  const clock: Clock = {
    now: () => timestampFromNanos(1_700_000_000_000_000_000n + BigInt(now) * 1_000_000n),
  };
  const timers: TimerScheduler = {
    setTimer: (delayMs, callback) => schedule(now + delayMs, callback),
    clearTimer: (handle) => {
      (handle as { cancelled: boolean }).cancelled = true;
    },
  };
  const result: Cluster = {
    heights: [0, 0, 0],
    commitTimes: [[], [], []],
    laterRounds: [],
    timeoutLines: [],
    early: 0,
    rejected: 0,
    failures: [],
    beforeNextHeight: [[], [], []],
    proposals: [],
  };
  const signers = [0, 1, 2].map(
    (i) => new Ed25519Signer(sha256(new TextEncoder().encode(`next height ${i}`))),
  );
  const genesis = {
    chainId: "next-height-1",
    initialHeight: 1n,
    genesisTime: clock.now(),
    validators: signers.map((signer) => ({ pubKey: signer.publicKey, power: 10n })),
    consensusParams: {
      block: { maxBytes: 1_000_000n, maxGas: -1n },
      evidence: { maxAgeNumBlocks: 100_000n, maxAgeDurationNs: 172_800_000_000_000n, maxBytes: 1_048_576n },
      validator: { pubKeyTypes: ["ed25519"] },
      version: { app: 0n },
    },
  } as unknown as Genesis;
  const handlers: ((message: ConsensusMessage, from: PeerId) => void)[] = [];
  const engines: TendermintEngine[] = [];
  const blockStores: MemoryBlockStore[] = [];
  let injected = false;

  const deliver = (from: number, to: number, message: ConsensusMessage) => {
    const bytes = encodeConsensusMessage(message);
    const slow = to === SLOW && message.kind === "vote" && message.vote.type === SignedMsgType.precommit;
    schedule(now + (slow ? SLOW_PRECOMMIT_DELAY_MS : FAST_DELAY_MS), () => {
      const decoded = decodeConsensusMessage(bytes);
      const height =
        decoded.kind === "proposal"
          ? decoded.proposal.height
          : decoded.kind === "vote"
            ? decoded.vote.height
            : decoded.commit.height;
      const engine = engines[to];
      if (engine !== undefined && height > engine.height) {
        result.early++;
        if (to === SLOW && !injected && inject !== undefined) {
          handlers[to]?.(decoded, `validator${from}`);
          injected = true;
          inject(decoded, (extra) => handlers[to]?.(extra, "flooder"));
          return;
        }
      }
      handlers[to]?.(decoded, `validator${from}`);
    });
  };

  for (const [index, signer] of signers.entries()) {
    const disk = new MemoryDisk();
    const app = new MemoryApplication(disk);
    const { appHash } = await app.initChain();
    const blockStore = new MemoryBlockStore(disk);
    blockStores.push(blockStore);
    const executor = new BlockExecutor({
      app,
      blockStore,
      mempool: new Mempool({ maxTxs: 100, maxTotalBytes: 100_000, maxTxBytes: 1_000 }),
      mempoolLock: new Mutex(),
      onCommitted: (committed) => {
        result.heights[index] = Number(committed.block.header.height);
        result.commitTimes[index]!.push(now);
      },
    });
    engines.push(
      new TendermintEngine({
        executor,
        blockStore,
        privValidator: await PrivValidator.load(signer, new MemorySignStateStorage()),
        transport: {
          broadcast: (message) => {
            if (message.kind === "proposal")
              result.proposals.push({ from: index, height: message.proposal.height, at: now });
            for (let peer = 0; peer < signers.length; peer++)
              if (peer !== index) deliver(index, peer, message);
          },
          sendTo: (peer, message) => deliver(index, Number(peer.replace("validator", "")), message),
          broadcastEvidence: () => {},
          onMessage: (handler) => {
            handlers[index] = handler;
          },
        },
        walStorage: new MemoryWalStorage(),
        clock,
        timers,
        timeouts: TIMEOUTS,
        ...(blockIntervalMs === undefined ? {} : { blockIntervalMs }),
        gossipIntervalMs,
        state: genesisChainState(genesis, appHash),
        lastCommit: {
          height: 0n,
          round: 0,
          blockId: { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } },
          signatures: [],
        },
        logger: {
          info: (object, message) => {
            if (message.includes("timeout"))
              result.timeoutLines.push(`validator${index} ${JSON.stringify(object)}`);
          },
          warn: () => {},
          error: (object, message) => result.failures.push(`validator${index} ${message} ${String(object)}`),
        },
        onError: (error) => result.failures.push(`validator${index} halted: ${String(error)}`),
        onRejected: () => {
          result.rejected++;
        },
        beforeNextHeight: () => {
          result.beforeNextHeight[index]!.push(now);
        },
      }),
    );
  }
  for (const engine of engines) await engine.start();

  for (;;) {
    events.sort((a, b) => (a.at !== b.at ? a.at - b.at : a.seq - b.seq));
    const event = events.shift();
    if (event === undefined || event.at > RUN_MS) break;
    if (event.cancelled) continue;
    now = event.at;
    event.run();
    for (const engine of engines) await engine.idle();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  for (const engine of engines) await engine.stop();
  for (const [index, blockStore] of blockStores.entries())
    for (let height = 1n; height <= blockStore.height(); height++) {
      const round = (await blockStore.loadCommit(height))?.round;
      if (round !== 0) result.laterRounds.push(`validator${index} ${height}/${round}`);
    }
  return result;
}

test("messages of the next height received before the decision are kept and replayed: every height in round 0", async (t) => {
  const cluster = await runCluster(NO_GOSSIP_MS);
  t.deepEqual(cluster.failures, []);
  t.true(cluster.early > 0, "the slow validator did receive next-height messages early");
  t.deepEqual(cluster.laterRounds, [], "every height decided in round 0");
  // Every height arms timeouts that fire after it is over: those are debug detail, not info lines.
  t.deepEqual(cluster.timeoutLines, []);
  // A height takes about two slow precommit delays; without the buffer each needed timeout_propose.
  for (const height of cluster.heights) t.true(height >= 20, `heights ${cluster.heights.join(",")}`);
  t.true(Math.max(...cluster.heights) - Math.min(...cluster.heights) <= 1);
});

test("the next-height buffer is bounded and keeps the first messages: a flood after the proposal does not push it out", async (t) => {
  let flooded = 0;
  // Gossip repeats what the full buffer dropped (the other validators' prevotes), but only after
  // timeout_propose: had the flood pushed out the proposal, height 2 would need a second round.
  const cluster = await runCluster(SLOW_GOSSIP_MS, (first, deliver) => {
    // Votes of the next height from a validator nobody knows: kept up to the bound, then dropped.
    const height =
      first.kind === "proposal" ? first.proposal.height : first.kind === "vote" ? first.vote.height : 0n;
    for (let i = 0; i < MAX_FUTURE_MESSAGES + 500; i++) {
      const junk = new Ed25519Signer(sha256(new TextEncoder().encode(`junk ${i}`)));
      deliver({
        kind: "vote",
        vote: {
          type: SignedMsgType.prevote,
          height,
          round: 0,
          blockId: { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } },
          timestamp: { seconds: 1_700_000_000n, nanos: i },
          validatorAddress: junk.address,
          validatorIndex: 0,
          signature: new Uint8Array(64).fill(1),
        },
      });
      flooded++;
    }
  });
  t.deepEqual(cluster.failures, []);
  t.is(flooded, MAX_FUTURE_MESSAGES + 500);
  t.true(cluster.rejected > 0, "the kept junk was replayed and rejected by the machine");
  t.true(cluster.rejected < MAX_FUTURE_MESSAGES, `${cluster.rejected} rejected: the rest was never kept`);
  t.true(cluster.early > 0);
  t.deepEqual(cluster.laterRounds, [], "the proposal received before the flood was kept");
  for (const height of cluster.heights) t.true(height >= 10, `heights ${cluster.heights.join(",")}`);
});

test("paced heights (block_interval) start a block interval apart, with timeout_commit as the least wait after a decision", async (t) => {
  const intervalMs = 500;
  const paced = await runCluster(NO_GOSSIP_MS, undefined, intervalMs);
  t.deepEqual(paced.failures, []);
  t.deepEqual(paced.laterRounds, []);
  // A height takes ~2 slow precommit delays (~200 ms) plus timeout_commit (20 ms) unpaced; paced, the
  // wait after each decision makes up the rest of the interval, so commits are ~500 ms apart.
  const times = paced.commitTimes[0]!;
  const gaps = times.slice(2).map((at, i) => at - times[i + 1]!);
  t.true(gaps.length >= 15, `commits at ${times.join(",")}`);
  for (const gap of gaps) t.true(gap >= intervalMs - 50 && gap <= intervalMs + 50, `gaps ${gaps.join(",")}`);
  const unpaced = await runCluster(NO_GOSSIP_MS);
  t.true(
    unpaced.heights[0]! > paced.heights[0]! * 1.5,
    `${unpaced.heights[0]} vs ${paced.heights[0]} heights`,
  );
});

test("paced heights: beforeNextHeight runs NEXT_HEIGHT_LEAD_MS before the node's next round 0, where it proposes", async (t) => {
  const paced = await runCluster(NO_GOSSIP_MS, undefined, 500);
  t.deepEqual(paced.failures, []);
  let checked = 0;
  for (const { from, height, at } of paced.proposals) {
    if (height === 1n) continue;
    // The proposer's own call for this height: the last one before its proposal.
    const before = paced.beforeNextHeight[from]!.filter((call) => call <= at).at(-1);
    t.is(
      at - before!,
      NEXT_HEIGHT_LEAD_MS,
      `proposal ${height} at ${at}, calls ${paced.beforeNextHeight[from]}`,
    );
    checked++;
  }
  t.true(checked >= 10, `${checked} proposals`);
  // One call per decided height (the last decided height's call may still be pending).
  for (const [index, calls] of paced.beforeNextHeight.entries())
    t.true(calls.length >= paced.heights[index]! - 1 && calls.length <= paced.heights[index]!);
});

test("commitWaitMs: timeout_commit unpaced; paced, the rest of the interval but at least timeout_commit", (t) => {
  t.is(commitWaitMs(1000, 0, 700), 1000);
  t.is(commitWaitMs(200, 1000, 700), 300);
  t.is(commitWaitMs(200, 1000, 900), 200);
  t.is(commitWaitMs(200, 1000, 5000), 200);
});
