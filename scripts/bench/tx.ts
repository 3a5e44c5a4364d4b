// MsgSend throughput of one node through the real pipeline: pre-signed txs are submitted, many in
// flight, through the node's ingress (TxIngress: signatures verified in the worker pool, then checkTx
// under the mempool lock, then the mempool), while blocks of ~`blockSize` txs are reaped from the
// mempool by the BlockExecutor (prepareProposal), pre-verified, finalized, committed with the block
// store's writes to a temp LevelDB, and the mempool rechecked, as the solo engine does. Printed
// beside the secp256k1 verification rate of one core and of the pool, measured in the same run.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import { encodePubkey, makeAuthInfoBytes, makeSignDoc, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes } from "@cosmjs/stargate";
import { ClassicLevel } from "classic-level";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { SignDoc, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Application } from "../../chain/app/abci.ts";
import { BaseApplication } from "../../chain/app/application.ts";
import { openBlockStore } from "../../chain/blockstore/open.ts";
import { BlockExecutor } from "../../chain/consensus/block-executor.ts";
import type { ChainState } from "../../chain/consensus/chain-state.ts";
import { singleValidatorCommit } from "../../chain/consensus/solo.ts";
import { encodeAddress } from "../../chain/crypto/bech32.ts";
import { Ed25519Signer } from "../../chain/crypto/ed25519.ts";
import {
  secp256k1Address,
  secp256k1PublicKey,
  signSecp256k1,
  verifySecp256k1,
} from "../../chain/crypto/secp256k1.ts";
import { type Secp256k1Job, Secp256k1VerifyPool } from "../../chain/crypto/secp256k1-pool.ts";
import { Mempool } from "../../chain/mempool/mempool.ts";
import { TxIngress } from "../../chain/node/tx-ingress.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import type { Commit, ConsensusParams } from "../../chain/types/block.ts";
import { timestampFromNanos, timestampToNanos } from "../../chain/types/time.ts";
import { Mutex } from "../../chain/util/mutex.ts";
import { authModule } from "../../modules/auth/module.ts";
import { bankModule } from "../../modules/bank/module.ts";
import { benchCommand, runBenchMain } from "./args.ts";
import { formatThreadCpu, threadCpuByName } from "./bridge-load.ts";
import { fmt, rate } from "./crypto.ts";

const CHAIN_ID = "sensorchain-bench-1";
const DENOM = "usensor";
/** Gas limit of every bench tx; the block gas limit is blockSize × this, so a block holds blockSize txs. */
const TX_GAS = 100_000n;

export interface TxBenchOptions {
  accounts?: number;
  txsPerAccount?: number;
  blockSize?: number;
  /** Verification worker threads; default os.availableParallelism(). 0 = no pool (checkTx verifies). */
  poolSize?: number;
  /** Txs submitted and not yet answered, as many concurrent RPC clients would have. */
  inFlight?: number;
  /** Txs per account sent through the same pipeline before the measured window (default 1): a node
   * runs for hours, so the figure is its steady state, not a fresh process whose code V8 is still
   * compiling (a cold 4,000-tx run spent ~25% of its main thread in unoptimized code and as much
   * again in V8's compiler threads). 0 measures a cold process, as before session 5. */
  warmupTxsPerAccount?: number;
  /** Directory to write a main-thread CPU profile of the pipeline alone (not the setup's signing). */
  profileDir?: string;
  /** With profileDir: also a sampled allocation profile (.heapprofile) of the pipeline. */
  profileAllocations?: boolean;
}

export interface TxBenchFigures {
  txs: number;
  blocks: number;
  /** Submitted → all committed, wall clock. */
  txPerSecond: number;
  /** Txs (and their blocks) committed before the measured window. */
  warmupTxs: number;
  /** Main-thread CPU time (process.threadCpuUsage) from first submission to last commit, per tx. */
  mainThreadCpuMicros: number;
  /** Main-thread CPU inside checkTx (new), per tx (threadCpuUsage around its synchronous part). */
  checkTxMicros: number;
  /** Main-thread CPU in prepareProposal and in the block store's saveBlockOperations, per tx. */
  prepareMicros: number;
  blockStoreMicros: number;
  /** Wall time in finalizeBlock and commit, per tx, and main-thread CPU meanwhile (which may include
   * the odd ingress callback running while they await I/O). */
  finalizeMicros: number;
  commitMicros: number;
  finalizeCpuMicros: number;
  commitCpuMicros: number;
  recheckMicros: number;
  rechecks: number;
  /** Wall time the main thread's event loop sat idle (waiting for the verify pool, LevelDB, a timer),
   * per tx: in total, before the first block (the first txs' verification), and inside commit (the
   * LevelDB batch write and its fsync). Under load it also counts waiting for descheduled threads. */
  idleMicros: number;
  rampIdleMicros: number;
  commitIdleMicros: number;
  /** Wall time from the first submission to the first block. */
  firstBlockMs: number;
  /** CPU per tx of every thread of the process by name (main, the verify workers "WorkerThread", V8's
   * GC and compiler helpers "V8Worker", libuv's pool with LevelDB's writes), from /proc/self/task. */
  threadCpu: string;
  secp256k1VerifyPerSecond: number;
  poolVerifyPerSecond: number;
  poolSize: number;
  blockSize: number;
  accounts: number;
  /** 1-minute load average of the machine when the pipeline started and when it ended. */
  loadAverage: [number, number];
}

interface Signer {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  address: string;
}

function signer(index: number): Signer {
  const privateKey = new Uint8Array(32);
  new DataView(privateKey.buffer).setUint32(28, index + 1);
  privateKey[0] = 0x42;
  const publicKey = secp256k1PublicKey(privateKey);
  return { privateKey, publicKey, address: encodeAddress(secp256k1Address(publicKey)) };
}

const registry = new Registry(defaultRegistryTypes);

/** A MsgSend tx built with cosmjs' own builders (as SigningStargateClient.signDirect does). */
function signedSend(from: Signer, to: string, accountNumber: bigint, sequence: number): Uint8Array {
  const bodyBytes = registry.encode({
    typeUrl: "/cosmos.tx.v1beta1.TxBody",
    value: {
      messages: [
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: { fromAddress: from.address, toAddress: to, amount: [{ denom: DENOM, amount: "1" }] },
        },
      ],
      memo: "",
    },
  });
  const pubkey = encodePubkey(encodeSecp256k1Pubkey(from.publicKey));
  const authInfoBytes = makeAuthInfoBytes(
    [{ pubkey, sequence }],
    [{ denom: DENOM, amount: "2500" }],
    100_000,
    undefined,
    undefined,
  );
  const signDoc = makeSignDoc(bodyBytes, authInfoBytes, CHAIN_ID, Number(accountNumber));
  const signature = signSecp256k1(SignDoc.encode(signDoc).finish(), from.privateKey);
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [signature] }).finish();
}

/** checkTx calls per CPU-timed one (see timed()). */
const CHECK_TX_SAMPLE_EVERY = 16;

/** Main-thread CPU time so far, in µs: unlike wall time, not inflated by other processes' load. */
function threadCpuMicros(): number {
  const usage = process.threadCpuUsage();
  return usage.user + usage.system;
}

/** Wraps the app to time its main-thread methods (they are awaited one at a time under the lock):
 * CPU for the synchronous ones (checkTx, prepareProposal), wall time for those that await I/O. */
function timed(app: BaseApplication) {
  const totals = {
    checks: 0,
    checkSamples: 0,
    checkSampledMs: 0,
    rechecks: 0,
    recheckSamples: 0,
    recheckSampledMs: 0,
    finalizeMs: 0,
    commitMs: 0,
    prepareMs: 0,
    finalizeCpuMs: 0,
    commitCpuMs: 0,
    commitIdleMs: 0,
  };
  const wrapped: Application = {
    info: () => app.info(),
    initChain: (request) => app.initChain(request),
    prepareProposal(request) {
      // No awaits inside: the CPU delta is prepareProposal's alone.
      const start = threadCpuMicros();
      const response = app.prepareProposal(request);
      totals.prepareMs += (threadCpuMicros() - start) / 1000;
      return response;
    },
    processProposal: (request) => app.processProposal(request),
    query: (request) => app.query(request),
    signatureChecks: (tx) => app.signatureChecks(tx),
    addSignatureVerdicts: (verdicts) => app.addSignatureVerdicts(verdicts),
    checkTx(request) {
      // checkTx runs synchronously up to its result (no I/O in check mode): time that part only, not
      // the other clients' continuations that run before the awaiting caller resumes. One call in
      // CHECK_TX_SAMPLE_EVERY is timed: reading the thread's CPU clock costs ~4 µs, which timing
      // every call would add to the main thread's figure.
      const recheck = request.type === "recheck";
      const calls = recheck ? totals.rechecks++ : totals.checks++;
      if (calls % CHECK_TX_SAMPLE_EVERY !== 0) return app.checkTx(request);
      const start = threadCpuMicros();
      const response = app.checkTx(request);
      const ms = (threadCpuMicros() - start) / 1000;
      if (recheck) {
        totals.recheckSampledMs += ms;
        totals.recheckSamples++;
      } else {
        totals.checkSampledMs += ms;
        totals.checkSamples++;
      }
      return response;
    },
    async finalizeBlock(request) {
      const [start, cpuStart] = [performance.now(), threadCpuMicros()];
      const response = await app.finalizeBlock(request);
      totals.finalizeMs += performance.now() - start;
      totals.finalizeCpuMs += (threadCpuMicros() - cpuStart) / 1000;
      return response;
    },
    async commit(request) {
      const [start, cpuStart, loop] = [
        performance.now(),
        threadCpuMicros(),
        performance.eventLoopUtilization(),
      ];
      const response = await app.commit(request);
      totals.commitIdleMs += performance.eventLoopUtilization(loop).idle;
      totals.commitMs += performance.now() - start;
      totals.commitCpuMs += (threadCpuMicros() - cpuStart) / 1000;
      return response;
    },
  };
  return { wrapped, totals };
}

export async function runTxBench(options: TxBenchOptions = {}): Promise<TxBenchFigures> {
  const accountCount = options.accounts ?? 2000;
  const txsPerAccount = options.txsPerAccount ?? 2;
  const warmupTxsPerAccount = options.warmupTxsPerAccount ?? 1;
  const blockSize = options.blockSize ?? 1000;
  const inFlight = options.inFlight ?? 1000;
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-bench-tx-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  const pool =
    options.poolSize === 0
      ? undefined
      : new Secp256k1VerifyPool(options.poolSize === undefined ? {} : { size: options.poolSize });
  try {
    const modules = [authModule(), bankModule()];
    const store = await openCommitMultiStore({ db, storeNames: BaseApplication.storeNames(modules) });
    const baseApp = new BaseApplication({ store, modules, chainId: CHAIN_ID, minGasPrices: "0.025usensor" });
    const { wrapped: app, totals } = timed(baseApp);
    const signers = Array.from({ length: accountCount }, (_, i) => signer(i));
    const genesis = {
      bank: {
        balances: signers.map((s) => ({
          address: s.address,
          coins: [{ denom: DENOM, amount: "1000000000" }],
        })),
      },
    };
    const consensusParams: ConsensusParams = {
      block: { maxBytes: 22_020_096n, maxGas: BigInt(blockSize) * TX_GAS },
      evidence: { maxAgeNumBlocks: 100_000n, maxAgeDurationNs: 172_800_000_000_000n, maxBytes: 1_048_576n },
      validator: { pubKeyTypes: ["ed25519"] },
      version: { app: 1n },
    };
    const genesisTime = { seconds: 1_700_000_000n, nanos: 0 };
    const { appHash } = await app.initChain({
      time: genesisTime,
      chainId: CHAIN_ID,
      consensusParams,
      validators: [],
      appStateBytes: new TextEncoder().encode(JSON.stringify(genesis)),
      initialHeight: 1n,
    });
    const accountNumbers: bigint[] = [];
    for (const s of signers) {
      const response = await app.query({
        path: "/cosmos.auth.v1beta1.Query/Account",
        data: QueryAccountRequest.encode({ address: s.address }).finish(),
        height: 0n,
        prove: false,
      });
      accountNumbers.push(
        BaseAccount.decode(QueryAccountResponse.decode(response.value).account!.value).accountNumber,
      );
    }
    // Sequence-major order: every account's tx at sequence s before any at s + 1, as clients send them.
    const txs: Uint8Array[] = [];
    for (let sequence = 0; sequence < warmupTxsPerAccount + txsPerAccount; sequence++)
      for (let i = 0; i < accountCount; i++)
        txs.push(
          signedSend(signers[i]!, signers[(i + 1) % accountCount]!.address, accountNumbers[i]!, sequence),
        );

    const validator = new Ed25519Signer(new Uint8Array(32).fill(9));
    const validators = [
      { address: validator.address, pubKey: validator.publicKey, votingPower: 10n, proposerPriority: 0n },
    ];
    let state: ChainState = {
      chainId: CHAIN_ID,
      initialHeight: 1n,
      lastBlockHeight: 0n,
      lastBlockId: { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } },
      lastBlockTime: genesisTime,
      validators,
      nextValidators: validators,
      lastValidators: [],
      consensusParams,
      lastResultsHash: new Uint8Array(),
      appHash,
    };
    const blockStore = await openBlockStore(db);
    let blockStoreMs = 0;
    const saveBlockOperations = blockStore.saveBlockOperations.bind(blockStore);
    blockStore.saveBlockOperations = (input) => {
      const start = threadCpuMicros();
      const operations = saveBlockOperations(input);
      blockStoreMs += (threadCpuMicros() - start) / 1000;
      return operations;
    };
    const mempool = new Mempool({ maxTxs: 10_000, maxTotalBytes: 64 * 1024 * 1024, maxTxBytes: 1024 * 1024 });
    const mempoolLock = new Mutex();
    const ingress = new TxIngress(
      pool === undefined ? { app, mempool, mempoolLock } : { app, mempool, mempoolLock, verifier: pool },
    );
    let committedTxs = 0;
    const executor = new BlockExecutor({
      app,
      blockStore,
      mempool,
      mempoolLock,
      preverify: (blockTxs) => ingress.preverify(blockTxs),
      onCommitted: (committed) => {
        committedTxs += committed.block.data.txs.length;
        const failed = committed.results.txResults.find((result) => result.code !== 0);
        if (failed !== undefined) throw new Error(`bench tx failed in finalizeBlock: ${failed.log}`);
      },
    });

    let lastCommit: Commit = {
      height: 0n,
      round: 0,
      blockId: state.lastBlockId,
      signatures: [],
    };
    let blocks = 0;
    /** Submits `batch` (sequence-major, `perAccount` txs per account) through ingress while the block
     * loop makes blocks, until all of it is committed; `onBlock` runs before each block. */
    const runPipeline = async (batch: readonly Uint8Array[], perAccount: number, onBlock: () => void) => {
      const committedBefore = committedTxs;
      let answered = 0;
      // Each client owns whole accounts and sends an account's txs in sequence order, waiting for each
      // answer (as a wallet does); `inFlight` clients run at once.
      const byAccount = Array.from({ length: accountCount }, (_, i) =>
        Array.from({ length: perAccount }, (_, sequence) => batch[sequence * accountCount + i]!),
      );
      let nextAccount = 0;
      // The block loop sleeps until a block is full or every tx is answered (no polling: a spinning
      // main thread would take CPU from the verification workers on a 2-core machine).
      let wake: (() => void) | undefined;
      const blockReady = () => mempool.size >= blockSize || answered === batch.length;
      const submitter = async () => {
        while (nextAccount < accountCount) {
          for (const tx of byAccount[nextAccount++]!) {
            const response = await ingress.submit(tx);
            answered++;
            if (wake !== undefined && blockReady()) {
              wake();
              wake = undefined;
            }
            if (response.code !== 0) throw new Error(`bench tx rejected at ingress: ${response.log}`);
          }
        }
      };
      const submitting = Promise.all(Array.from({ length: inFlight }, submitter));
      let submitError: unknown;
      submitting.catch((error: unknown) => {
        submitError = error;
        wake?.();
      });
      while (committedTxs - committedBefore < batch.length) {
        if (submitError !== undefined) throw submitError;
        // A block when one is full, or when every tx has been answered (the tail).
        if (!blockReady()) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          continue;
        }
        onBlock();
        const height = state.lastBlockHeight + 1n;
        // BFT time: genesis time first, then the (single) precommit time of the last commit.
        const time = height === 1n ? genesisTime : lastCommit.signatures[0]!.timestamp;
        const voteTime = timestampFromNanos(timestampToNanos(time) + 1_000_000n);
        const { block, blockId, blockBytes } = await executor.createProposal(state, {
          proposer: validator.address,
          lastCommit,
          time,
        });
        const seenCommit = singleValidatorCommit(CHAIN_ID, validator, height, blockId, voteTime);
        state = await executor.applyBlock(state, block, blockId, blockBytes.length, seenCommit);
        lastCommit = seenCommit;
        blocks++;
      }
      await submitting;
    };

    const warmupTxs = warmupTxsPerAccount * accountCount;
    if (warmupTxs > 0) {
      await runPipeline(txs.slice(0, warmupTxs), warmupTxsPerAccount, () => {});
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] = 0;
      blockStoreMs = 0;
    }
    const warmupBlocks = blocks;
    const measured = txs.slice(warmupTxs);
    const allocations = options.profileAllocations === true;
    const profiler = options.profileDir === undefined ? undefined : await startProfiler(allocations);
    const loadAtStart = loadavg()[0]!;
    const threadsAtStart = threadCpuByName();
    const loopAtStart = performance.eventLoopUtilization();
    let firstBlock: { ms: number; idleMs: number } | undefined;
    const started = performance.now();
    const cpuStart = process.threadCpuUsage();
    await runPipeline(measured, txsPerAccount, () => {
      firstBlock ??= {
        ms: performance.now() - started,
        idleMs: performance.eventLoopUtilization(loopAtStart).idle,
      };
    });
    const elapsedMs = performance.now() - started;
    const cpu = process.threadCpuUsage(cpuStart);
    const loop = performance.eventLoopUtilization(loopAtStart);
    const threadCpu = formatThreadCpu(threadsAtStart, threadCpuByName(), measured.length);
    if (profiler !== undefined && options.profileDir !== undefined)
      await stopProfiler(profiler, options.profileDir, allocations);
    const broken = await baseApp.checkInvariants();
    if (broken.length > 0) throw new Error(`invariants broken after the bench: ${broken.join("; ")}`);

    // Ceilings, same run: one core, and the pool (distinct keys, as the txs have).
    const message = new Uint8Array(200).fill(7);
    const key = signers[0]!;
    const signature = signSecp256k1(message, key.privateKey);
    const secp256k1VerifyPerSecond = rate(() => verifySecp256k1(signature, message, key.publicKey));
    let poolVerifyPerSecond = 0;
    if (pool !== undefined) {
      const jobs: Secp256k1Job[] = signers.slice(0, 256).map((s) => ({
        signature: signSecp256k1(message, s.privateKey),
        message,
        publicKey: s.publicKey,
      }));
      await pool.verify(jobs); // warm the workers' key caches
      const rounds = 12;
      const poolStart = performance.now();
      await Promise.all(Array.from({ length: rounds }, () => pool.verify(jobs)));
      poolVerifyPerSecond = (rounds * jobs.length * 1000) / (performance.now() - poolStart);
    }
    const perTx = (ms: number) => (ms * 1000) / measured.length;
    const perCall = (ms: number, calls: number) => (calls === 0 ? 0 : (ms * 1000) / calls);
    const figures: TxBenchFigures = {
      txs: measured.length,
      blocks: blocks - warmupBlocks,
      warmupTxs,
      txPerSecond: (measured.length * 1000) / elapsedMs,
      mainThreadCpuMicros: (cpu.user + cpu.system) / measured.length,
      checkTxMicros: perCall(totals.checkSampledMs, totals.checkSamples),
      prepareMicros: perTx(totals.prepareMs),
      blockStoreMicros: perTx(blockStoreMs),
      finalizeMicros: perTx(totals.finalizeMs),
      commitMicros: perTx(totals.commitMs),
      finalizeCpuMicros: perTx(totals.finalizeCpuMs),
      commitCpuMicros: perTx(totals.commitCpuMs),
      // Per tx of the bench, as the other phases: rechecks happen for txs left in the mempool only.
      recheckMicros:
        (perCall(totals.recheckSampledMs, totals.recheckSamples) * totals.rechecks) / measured.length,
      rechecks: totals.rechecks,
      idleMicros: perTx(loop.idle),
      rampIdleMicros: perTx(firstBlock?.idleMs ?? 0),
      commitIdleMicros: perTx(totals.commitIdleMs),
      firstBlockMs: firstBlock?.ms ?? 0,
      threadCpu,
      secp256k1VerifyPerSecond,
      poolVerifyPerSecond,
      poolSize: pool?.size ?? 0,
      blockSize,
      accounts: accountCount,
      loadAverage: [loadAtStart, loadavg()[0]!],
    };
    printTxFigures(figures);
    return figures;
  } finally {
    await pool?.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Bytes between allocation samples of the heap profile (V8's default is 32 KiB). */
const ALLOCATION_SAMPLE_BYTES = 4096;

/** CPU profile, and with `allocations` a sampled profile of every allocation, garbage included
 * (where GC pressure comes from), of the pipeline alone. */
async function startProfiler(allocations: boolean): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  if (allocations) {
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: ALLOCATION_SAMPLE_BYTES,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  return session;
}

async function stopProfiler(session: Session, dir: string, allocations: boolean): Promise<void> {
  const { profile } = await session.post("Profiler.stop");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `tx-pipeline-${process.pid}.cpuprofile`);
  await writeFile(file, JSON.stringify(profile));
  console.log(`  pipeline CPU profile: ${file}`);
  if (allocations) {
    const { profile: heap } = await session.post("HeapProfiler.stopSampling");
    const heapFile = join(dir, `tx-pipeline-${process.pid}.heapprofile`);
    await writeFile(heapFile, JSON.stringify(heap));
    console.log(`  pipeline allocation profile: ${heapFile}`);
  }
  session.disconnect();
}

export function printTxFigures(f: TxBenchFigures): void {
  console.log(
    `tx (MsgSend, ${fmt(f.txs)} txs from ${fmt(f.accounts)} accounts, ${f.blocks} blocks of <= ${fmt(f.blockSize)}, ` +
      `ingress -> pool (${f.poolSize} workers) -> checkTx -> mempool -> BlockExecutor -> LevelDB)`,
  );
  console.log(
    f.warmupTxs > 0
      ? `  after a warm-up of ${fmt(f.warmupTxs)} txs through the same pipeline (--warmupTxsPerAccount 0: a cold process)`
      : "  cold process: no warm-up (V8 still compiling the pipeline's code)",
  );
  console.log(
    `  end to end                         ${fmt(f.txPerSecond).padStart(8)} tx/s   (target >= 2,000)`,
  );
  console.log(
    `  main thread CPU per tx            ${f.mainThreadCpuMicros.toFixed(0).padStart(8)} µs     (one core's budget at 2,000 tx/s: 500 µs)`,
  );
  console.log(
    `    of which checkTx ${f.checkTxMicros.toFixed(0)} µs, prepareProposal ${f.prepareMicros.toFixed(0)} µs, block store ${f.blockStoreMicros.toFixed(0)} µs, recheck ${f.recheckMicros.toFixed(0)} µs (CPU)`,
  );
  console.log(
    `    finalizeBlock ${f.finalizeCpuMicros.toFixed(0)} µs CPU (${f.finalizeMicros.toFixed(0)} µs wall), commit ${f.commitCpuMicros.toFixed(0)} µs CPU (${f.commitMicros.toFixed(0)} µs wall)`,
  );
  console.log(
    `  main thread idle ${f.idleMicros.toFixed(0)} µs per tx: before the first block ${f.rampIdleMicros.toFixed(0)} (at ${f.firstBlockMs.toFixed(0)} ms), in commit ${f.commitIdleMicros.toFixed(0)}`,
  );
  console.log(`  CPU per tx by thread (µs): ${f.threadCpu}`);
  console.log(
    `  secp256k1 verify, one core         ${fmt(f.secp256k1VerifyPerSecond).padStart(8)} /s     (checkTx ceiling without the pool)`,
  );
  if (f.poolSize > 0)
    console.log(
      `  secp256k1 verify, pool of ${f.poolSize}        ${fmt(f.poolVerifyPerSecond).padStart(8)} /s     (ingress ceiling; the main thread shares these cores)`,
    );
  console.log(
    `  load average (1 min) ${f.loadAverage[0].toFixed(1)} at start, ${f.loadAverage[1].toFixed(1)} at end (2 cores)`,
  );
}

export const txBenchCommand = benchCommand({
  name: "tx",
  summary:
    "The tx pipeline of one node in process: signed bank sends through checkTx, the mempool, blocks,\nexecution and commit; tx/s and CPU per tx beside the secp256k1 verify ceilings.",
  flags: {
    accounts: { type: "integer", default: 2000, description: "funded accounts, each signing its own txs" },
    txsPerAccount: { type: "integer", default: 2, description: "measured txs per account" },
    blockSize: { type: "integer", default: 1000, description: "txs per block at most" },
    poolSize: {
      type: "integer",
      defaultText: "os.availableParallelism()",
      description: "verification worker threads; 0 = no pool (checkTx verifies)",
    },
    inFlight: { type: "integer", default: 1000, description: "txs submitted and not yet answered" },
    warmupTxsPerAccount: {
      type: "integer",
      default: 1,
      description: "txs per account through the pipeline before the measured window; 0 = a cold process",
    },
    profile: { type: "string", description: "directory for a main-thread CPU profile of the pipeline" },
    allocations: { type: "boolean", description: "with --profile: also a sampled allocation profile" },
  },
  run: async (flags) => {
    const { profile, allocations, poolSize, ...counts } = flags;
    await runTxBench({
      ...counts,
      ...(poolSize === undefined ? {} : { poolSize }),
      ...(profile === undefined ? {} : { profileDir: profile }),
      ...(allocations ? { profileAllocations: true } : {}),
    });
  },
});

if (import.meta.main) await runBenchMain(txBenchCommand);
