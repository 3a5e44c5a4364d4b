// Store benchmark: committed writes/s (blocks of BLOCK_WRITES random writes) and proofs/s at several tree sizes,
// beside LevelDB's batched put rate and the sha256 rate measured in the same run.
//   ./node_modules/.bin/node scripts/bench/store.ts [--keys 10000,100000,1000000] [--blockWrites 2000 (or --block)]
//     [--blocks 20 (measured blocks per size)]
//     [--default-db-options | --db-options '{"maxOpenFiles":100}'] [--store-options '{"retainedVersions":8}']
//     [--proposed-settings (measure with the session-9 proposal below on top of the node's settings) |
//      --bare-process (measure without the node's flags and environment)]
//     [--breakdown <file> (each size's memory by mapping kind and V8 space, JSON, in <file>.<keys>)]
// The tree is filled by a child process (as a node restarting on an existing database), so that the RSS reported
// is that of a process running blocks on a tree of that size, not the high-water mark of building it.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getHeapSpaceStatistics } from "node:v8";
import { ClassicLevel } from "classic-level";
import { sha256 } from "../../chain/crypto/hash.ts";
import { HEAP_GROWING_PERCENT } from "../../chain/node.ts";
import { BINARY, type Database, DB_OPTIONS } from "../../chain/store/db.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import { SNAPSHOT_FILE } from "../../chain/store/smt-snapshot.ts";
import { VALIDATOR_NODE_ENV, VALIDATOR_NODE_FLAGS } from "../devnet.ts";

export interface StoreBenchOptions {
  /** Tree sizes to measure (default 10^4 and 10^5; 10^6 takes minutes). */
  keys?: number[];
  /** Writes per committed block. */
  blockWrites?: number;
  /** Blocks measured at each size. */
  blocks?: number;
  /** Proofs measured at each size. */
  proofs?: number;
}

export interface StoreBenchRow {
  keys: number;
  writesPerSecond: number;
  proofsPerSecond: number;
  /** CPU time (user + system, all threads: a proof's value read runs in LevelDB's) per proof, µs. */
  cpuMicrosecondsPerProof: number;
  /** Process RSS after the size's blocks and proofs. */
  rssMegabytes: number;
  /** V8 heap in use, and memory of ArrayBuffers/Buffers outside it, at the same moment. */
  heapUsedMegabytes: number;
  arrayBuffersMegabytes: number;
  /** LevelDB entries per committed write in the measured blocks (puts and deletes), and their key + value bytes. */
  operationsPerWrite: number;
  bytesPerWrite: number;
  /** CPU time (user + system, all threads incl. LevelDB's) per committed write, µs: less noisy than wall time
   * on a shared machine. */
  cpuMicrosecondsPerWrite: number;
  /** Of which the main thread (the part that bounds a node's block rate); the rest is LevelDB's compaction and
   * write threads and V8's GC helpers. */
  mainThreadMicrosecondsPerWrite: number;
  /** Of the rest (Linux, from /proc/self/task: clock ticks, so coarse): V8's GC helper threads, and LevelDB's
   * compaction thread with the libuv threads (batch writes, fsync). */
  gcHelperMicrosecondsPerWrite: number;
  leveldbMicrosecondsPerWrite: number;
  /** LevelDB getSync calls per committed write (state-storage reads; format 4 read SMT pages too). */
  getSyncPerWrite: number;
  /** RSS split (Linux): anonymous memory, and file-backed pages: the node binary's text and LevelDB's table files,
   * which it mmaps for reads (up to 1,000; clean page cache that the kernel can reclaim). Tables show while a
   * compaction reads them (the fill leaves one to do) and where reads touched them. */
  rssAnonMegabytes: number;
  rssFileMegabytes: number;
  rssLeveldbTablesMegabytes: number;
  /** V8's heap as committed (young and old generation), beside heapUsedMegabytes. */
  heapCommittedMegabytes: number;
  /** RSS after the measured blocks, before the proofs, and its LevelDB table pages then (blocks read nothing from
   * LevelDB; each proof reads its leaf's value, and a read maps table pages into the process). */
  rssAfterBlocksMegabytes: number;
  rssLeveldbTablesAfterBlocksMegabytes: number;
  /** Highest RSS while the measured blocks and proofs ran (Linux: VmHWM, reset after the warm-up blocks): the
   * figures above are one instant, and a LevelDB compaction that is reading its inputs maps them meanwhile. */
  peakRssMegabytes: number;
  /** Opening the filled database (the store rebuilds its trees from state storage then): wall seconds, and CPU seconds of
   * all threads. */
  openSeconds: number;
  openCpuSeconds: number;
  /** Writing the trees' snapshot file (as the database's close does): wall seconds, and its size. */
  snapshotSeconds: number;
  snapshotMegabytes: number;
}

export interface StoreBenchResult {
  rows: StoreBenchRow[];
  leveldbPutsPerSecond: number;
  sha256PerSecond: number;
}

/** Writes per block while filling the tree before measuring. Bounded like a real block: a 20,000-write fill
 * block held ~150,000 batch operations and their buffers at once and drove RSS up by ~400 MB of fragmented native
 * heap that glibc never returned (see docs/PERFORMANCE.md, Store). */
const FILL_BLOCK_WRITES = 20_000;
/** Unmeasured blocks after reopening, as a running node has had them (read cache, retained versions). */
const WARM_UP_BLOCKS = 5;
const PRUNING = { keepRecent: 100, interval: 10 };
const STORE_NAMES = ["bank"];
const VALUE_BYTES = 64;
/** Random bytes drawn once: generating them per write would be measured as store cost. */
const VALUE_POOL = randomBytes(1 << 20);
let poolOffset = 0;

function randomValue(): Uint8Array {
  poolOffset = (poolOffset + 61) % (VALUE_POOL.length - VALUE_BYTES);
  return VALUE_POOL.subarray(poolOffset, poolOffset + VALUE_BYTES);
}

let dbOptions: Record<string, unknown> = DB_OPTIONS;

async function openDb(dir: string): Promise<Database> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, dbOptions);
  await db.open();
  return db;
}

async function openTemp(): Promise<{ db: Database; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-bench-store-"));
  const db = await openDb(dir);
  return {
    db,
    cleanup: async () => {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function keyOf(index: number): Uint8Array {
  // Module-like keys: a prefix byte and a 20-byte address-sized body.
  const key = new Uint8Array(21);
  key[0] = 0x01;
  new DataView(key.buffer).setUint32(1, index);
  key.set(sha256(key.subarray(0, 5)).subarray(0, 16), 5);
  return key;
}

async function leveldbPutRate(batchSize: number): Promise<number> {
  const { db, cleanup } = await openTemp();
  const batches = 20;
  const start = performance.now();
  for (let b = 0; b < batches; b++) {
    const ops = [];
    for (let i = 0; i < batchSize; i++)
      ops.push({ type: "put" as const, key: randomBytes(40), value: randomBytes(VALUE_BYTES) });
    await db.batch(ops, { keyEncoding: "view", valueEncoding: "view", sync: true });
  }
  const seconds = (performance.now() - start) / 1000;
  await cleanup();
  return (batches * batchSize) / seconds;
}

function sha256Rate(): number {
  const input = randomBytes(65);
  const count = 300_000;
  const start = performance.now();
  for (let i = 0; i < count; i++) sha256(input);
  return count / ((performance.now() - start) / 1000);
}

/** Store memory budgets and LevelDB options under test (flags --store-options and --db-options, JSON). */
let storeOptions: Record<string, number | boolean> = {};

/** Fills a new store with `keys` keys in blocks of FILL_BLOCK_WRITES (runs in the child process). */
async function fill(dir: string, keys: number): Promise<void> {
  const db = await openDb(dir);
  const cms = await openCommitMultiStore({ db, storeNames: STORE_NAMES, pruning: PRUNING, ...storeOptions });
  let version = 0;
  await cms.commit(await cms.prepareCommit(cms.cacheMultiStore(), version), []);
  for (let filled = 0; filled < keys; filled += FILL_BLOCK_WRITES) {
    const cache = cms.cacheMultiStore();
    const store = cache.store("bank");
    for (let i = filled; i < Math.min(keys, filled + FILL_BLOCK_WRITES); i++)
      store.set(keyOf(i), randomValue());
    await cms.commit(await cms.prepareCommit(cache, ++version), []);
  }
  await db.close();
}

const runFile = promisify(execFile);

/** Clock ticks of CPU (user + system) of the process's threads other than the main one, by kind. */
function threadTicks(): { gcHelpers: number; other: number } {
  const out = { gcHelpers: 0, other: 0 };
  try {
    for (const task of readdirSync("/proc/self/task")) {
      if (task === String(process.pid)) continue;
      const stat = readFileSync(`/proc/self/task/${task}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      const name = readFileSync(`/proc/self/task/${task}/comm`, "utf8");
      if (name.startsWith("V8")) out.gcHelpers += ticks;
      else out.other += ticks;
    }
  } catch {
    return { gcHelpers: Number.NaN, other: Number.NaN };
  }
  return out;
}

/** Linux clock ticks per second (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** RSS split (Linux, MB): anonymous memory, file-backed pages, and of those the LevelDB table files mapped for
 * reads (the rest is mostly the node binary's text). */
/** Resets the process's RSS high-water mark (VmHWM) to its current RSS (Linux). */
function resetPeakRss(): void {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // Not Linux: peakRssMegabytes is then the high-water mark since the process started.
  }
}

function peakRss(): number {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    return (Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) * 1024) / 1e6;
  } catch {
    return Number.NaN;
  }
}

function rssSplit(): { anon: number; file: number; tables: number } {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kilobytes = (field: string) =>
      Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
    let tables = 0;
    let inTable = false;
    for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
      if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inTable = line.endsWith(".ldb");
      else if (inTable && line.startsWith("Rss:")) tables += Number(/(\d+)/.exec(line)?.[1] ?? 0);
    }
    // /proc counts kB of 1,024 bytes; these are MB of 10^6 bytes, as rssMegabytes.
    const megabytes = (kB: number) => (kB * 1024) / 1e6;
    return {
      anon: megabytes(kilobytes("RssAnon")),
      file: megabytes(kilobytes("RssFile")),
      tables: megabytes(tables),
    };
  } catch {
    return { anon: Number.NaN, file: Number.NaN, tables: Number.NaN };
  }
}

/** Where the measuring process's RSS is after the blocks and after the proofs (flag --breakdown; Linux), MB: by mapping
 * kind from /proc/self/smaps (glibc's main heap, other anonymous mappings by size, the node binary, LevelDB tables)
 * and V8's spaces as committed and used. */
let breakdownPath: string | undefined;

function memoryBreakdown(): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (kind: string, kilobytes: number) => {
    out[kind] = (out[kind] ?? 0) + (kilobytes * 1024) / 1e6;
  };
  let kind = "";
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (range !== null) {
      const size = (Number.parseInt(range[2]!, 16) - Number.parseInt(range[1]!, 16)) / 1e6;
      const name = range[3]!;
      if (name === "")
        kind = `anon ${size < 1 ? "<1" : size < 8.5 ? "1-8" : size < 60 ? "8-60" : ">=60"} MB mappings`;
      else if (name.endsWith(".ldb")) kind = "file: LevelDB tables";
      else if (name.startsWith("/")) kind = `file: ${name.split("/").at(-1)}`;
      else kind = `anon ${name}`;
    } else if (line.startsWith("Rss:")) add(kind, Number(/(\d+)/.exec(line)?.[1] ?? 0));
  }
  for (const space of getHeapSpaceStatistics()) {
    out[`v8 ${space.space_name} committed`] = space.physical_space_size / 1e6;
    out[`v8 ${space.space_name} used`] = space.space_used_size / 1e6;
  }
  return out;
}

/** The V8 flags a node process runs with (bin/sensorchain.js and scripts/devnet.ts give the young generation's
 * size; createNode caps the old generation's growth), so that the measured RSS is a node's memory: without them
 * V8 sizes its semi-spaces at up to 64 MB on this 24 GB machine. `--bare-process` measures without them. */
let measureFlags = [...VALIDATOR_NODE_FLAGS, `--heap-growing-percent=${HEAP_GROWING_PERCENT}`];

/** Process settings proposed for nodes in session 9 and not taken (`--proposed-settings` applies them on top of the
 * node's): on the 4-validator devnet they cost ~5-7% more CPU per tx (docs/PERFORMANCE.md, Store, session 9), the
 * resource that bounds its latency. At 10^6 keys, paired against the launcher's
 * settings (load 13-19): RSS after 2,000 random proofs 535 / 529 → 445 / 434 MB, CPU per write 47.5 / 48.5 →
 * 49.2 / 49.3 µs. A 16 MB semi-space (V8 reads the last of two --max-semi-space-size flags) halves the young
 * generation (67 → 34 MB committed; −42 / −49 MB alone, no more GC CPU per write than 32 MB); glibc's malloc with a
 * fixed 128 KB mmap threshold (a set threshold turns off the dynamic one, which rose to 32 MB after the first large
 * free and left the tree's 0.5-2 MB chunks and LevelDB's buffers in arenas that never shrink) and at most two arenas
 * (instead of one per thread that mallocs: main, libuv pool, LevelDB compaction, V8 helpers): −20 / −26 MB. */
const PROPOSED_NODE_FLAGS = ["--max-semi-space-size=16"];
const PROPOSED_NODE_ENV = { MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "131072" };
/** The environment a node runs with (the launcher's and the devnet's: two malloc arenas). */
let measureEnv: Record<string, string> = VALIDATOR_NODE_ENV;

/** Fills a tree of `keys` keys in one child process and measures it in another, so that each size's RSS is that
 * of a node restarted on a database of that size, not what building it (or a smaller size before) left behind. */
async function measureSize(
  keys: number,
  blockWrites: number,
  blocks: number,
  proofs: number,
): Promise<StoreBenchRow> {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-bench-store-"));
  try {
    const script = fileURLToPath(import.meta.url);
    const shared = [
      "--db-options",
      JSON.stringify(dbOptions),
      "--store-options",
      JSON.stringify(storeOptions),
    ];
    await runFile(process.execPath, [script, "--fill", dir, String(keys), ...shared], { maxBuffer: 1 << 20 });
    const measured = await runFile(
      process.execPath,
      [
        ...measureFlags,
        script,
        "--measure",
        dir,
        JSON.stringify([keys, blockWrites, blocks, proofs]),
        ...shared,
        ...(breakdownPath === undefined ? [] : ["--breakdown", `${breakdownPath}.${keys}`]),
      ],
      { maxBuffer: 1 << 20, env: { ...process.env, ...measureEnv } },
    );
    return JSON.parse(measured.stdout) as StoreBenchRow;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs in the measuring child process: reopens the filled database and measures blocks and proofs. */
async function measureFilled(
  dir: string,
  keys: number,
  blockWrites: number,
  blocks: number,
  proofs: number,
): Promise<StoreBenchRow> {
  const db = await openDb(dir);
  try {
    const openStart = performance.now();
    const openCpuStart = process.cpuUsage();
    const cms = await openCommitMultiStore({
      db,
      storeNames: STORE_NAMES,
      pruning: PRUNING,
      ...storeOptions,
    });
    const openSeconds = (performance.now() - openStart) / 1000;
    const openCpu = process.cpuUsage(openCpuStart);
    let version = cms.lastCommit().version;
    let nextNew = keys;
    let bytes = 0;
    const runBlock = async (): Promise<number> => {
      const cache = cms.cacheMultiStore();
      const store = cache.store("bank");
      // Mostly updates of existing keys, some new keys, as a ledger sees.
      for (let i = 0; i < blockWrites; i++) {
        const key = i % 10 === 0 ? keyOf(nextNew++) : keyOf(Math.floor(Math.random() * keys));
        store.set(key, randomValue());
      }
      const prepared = await cms.prepareCommit(cache, ++version);
      await cms.commit(prepared, []);
      for (const operation of prepared.operations)
        bytes += operation.key.length + (operation.type === "put" ? operation.value.length : 0);
      return prepared.operations.length;
    };
    for (let b = 0; b < WARM_UP_BLOCKS; b++) await runBlock();
    bytes = 0;
    let operations = 0;
    let getSyncs = 0;
    const getSync = db.getSync.bind(db);
    db.getSync = ((key: Uint8Array, options: object) => {
      getSyncs++;
      return getSync(key, options);
    }) as typeof db.getSync;
    resetPeakRss();
    const ticksStart = threadTicks();
    const cpuStart = process.cpuUsage();
    const mainStart = process.threadCpuUsage();
    const start = performance.now();
    for (let b = 0; b < blocks; b++) operations += await runBlock();
    const writeSeconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const main = process.threadCpuUsage(mainStart);
    const ticks = threadTicks();
    const afterBlocks = { rss: process.memoryUsage().rss / 1e6, tables: rssSplit().tables };
    const breakdownAfterBlocks = breakdownPath === undefined ? {} : memoryBreakdown();
    const tickMicrosPerWrite = (from: number, to: number) =>
      ((to - from) * 1e6) / TICKS_PER_SECOND / (blocks * blockWrites);
    const proofStart = performance.now();
    const proofCpuStart = process.cpuUsage();
    for (let i = 0; i < proofs; i++)
      await cms.prove("bank", keyOf(Math.floor(Math.random() * keys)), version);
    const proofCpu = process.cpuUsage(proofCpuStart);
    const proofSeconds = (performance.now() - proofStart) / 1000;
    const memory = process.memoryUsage();
    const split = rssSplit();
    const peakRssMegabytes = peakRss();
    if (breakdownPath !== undefined)
      writeFileSync(
        breakdownPath,
        JSON.stringify({ afterBlocks: breakdownAfterBlocks, afterProofs: memoryBreakdown() }, null, 1),
      );
    const snapshotStart = performance.now();
    cms.writeSnapshot();
    const snapshotSeconds = (performance.now() - snapshotStart) / 1000;
    return {
      keys,
      writesPerSecond: (blocks * blockWrites) / writeSeconds,
      proofsPerSecond: proofs / proofSeconds,
      cpuMicrosecondsPerProof: (proofCpu.user + proofCpu.system) / proofs,
      rssMegabytes: memory.rss / 1e6,
      heapUsedMegabytes: memory.heapUsed / 1e6,
      arrayBuffersMegabytes: memory.arrayBuffers / 1e6,
      operationsPerWrite: operations / (blocks * blockWrites),
      bytesPerWrite: bytes / (blocks * blockWrites),
      cpuMicrosecondsPerWrite: (cpu.user + cpu.system) / (blocks * blockWrites),
      mainThreadMicrosecondsPerWrite: (main.user + main.system) / (blocks * blockWrites),
      gcHelperMicrosecondsPerWrite: tickMicrosPerWrite(ticksStart.gcHelpers, ticks.gcHelpers),
      leveldbMicrosecondsPerWrite: tickMicrosPerWrite(ticksStart.other, ticks.other),
      getSyncPerWrite: getSyncs / (blocks * blockWrites),
      rssAnonMegabytes: split.anon,
      rssFileMegabytes: split.file,
      rssLeveldbTablesMegabytes: split.tables,
      heapCommittedMegabytes: memory.heapTotal / 1e6,
      peakRssMegabytes,
      rssAfterBlocksMegabytes: afterBlocks.rss,
      rssLeveldbTablesAfterBlocksMegabytes: afterBlocks.tables,
      openSeconds,
      openCpuSeconds: (openCpu.user + openCpu.system) / 1e6,
      snapshotSeconds,
      snapshotMegabytes: statSync(join(dir, SNAPSHOT_FILE)).size / 1e6,
    };
  } finally {
    await db.close();
  }
}

export async function runStoreBench(options: StoreBenchOptions): Promise<StoreBenchResult> {
  const blockWrites = options.blockWrites ?? 2000;
  const leveldbPutsPerSecond = await leveldbPutRate(blockWrites);
  const sha256PerSecond = sha256Rate();
  const rows: StoreBenchRow[] = [];
  for (const keys of options.keys ?? [10_000, 100_000]) {
    const row = await measureSize(keys, blockWrites, options.blocks ?? 20, options.proofs ?? 2000);
    rows.push(row);
    printRow(row, leveldbPutsPerSecond, sha256PerSecond);
  }
  console.log(
    `measuring process: ${[...Object.entries(measureEnv).map(([name, value]) => `${name}=${value}`), "node", ...measureFlags].join(" ")}`,
  );
  console.log(
    `baseline: LevelDB batched put (sync batch of ${blockWrites}) ${fmt(leveldbPutsPerSecond)}/s, sha256(65 B) ${fmt(sha256PerSecond)}/s`,
  );
  return { rows, leveldbPutsPerSecond, sha256PerSecond };
}

function fmt(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function printRow(row: StoreBenchRow, leveldb: number, sha: number): void {
  console.log(
    `keys ${fmt(row.keys).padStart(9)}: committed writes ${fmt(row.writesPerSecond).padStart(7)}/s ` +
      `(${((row.writesPerSecond / leveldb) * 100).toFixed(1)}% of LevelDB puts, ${(sha / row.writesPerSecond).toFixed(1)} sha256-times per write), ` +
      `proofs ${fmt(row.proofsPerSecond).padStart(6)}/s (${row.cpuMicrosecondsPerProof.toFixed(0)} µs CPU each), RSS ${row.rssMegabytes.toFixed(0)} MB ` +
      `(anon ${row.rssAnonMegabytes.toFixed(0)}, files ${row.rssFileMegabytes.toFixed(0)} of which LevelDB tables ` +
      `${row.rssLeveldbTablesMegabytes.toFixed(0)}; V8 heap ${row.heapUsedMegabytes.toFixed(0)} used of ` +
      `${row.heapCommittedMegabytes.toFixed(0)}, buffers ${row.arrayBuffersMegabytes.toFixed(0)}; ` +
      `peak ${row.peakRssMegabytes.toFixed(0)} while measured; ${row.rssAfterBlocksMegabytes.toFixed(0)} after the ` +
      `blocks, before the proofs, LevelDB tables ${row.rssLeveldbTablesAfterBlocksMegabytes.toFixed(0)}), ` +
      `per write: ${row.operationsPerWrite.toFixed(1)} LevelDB ops of ${fmt(row.bytesPerWrite)} B, ` +
      `${row.cpuMicrosecondsPerWrite.toFixed(0)} µs CPU (main thread ${row.mainThreadMicrosecondsPerWrite.toFixed(0)}, ` +
      `GC helpers ${row.gcHelperMicrosecondsPerWrite.toFixed(0)}, LevelDB + libuv ${row.leveldbMicrosecondsPerWrite.toFixed(0)}), ` +
      `${row.getSyncPerWrite.toFixed(2)} getSync; open ${row.openSeconds.toFixed(1)} s (${row.openCpuSeconds.toFixed(1)} s CPU); ` +
      `snapshot write ${row.snapshotSeconds.toFixed(1)} s (${row.snapshotMegabytes.toFixed(0)} MB)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argument = (name: string): string | undefined => {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : undefined;
  };
  if (process.argv.includes("--default-db-options")) dbOptions = BINARY;
  if (process.argv.includes("--proposed-settings")) {
    measureFlags.push(...PROPOSED_NODE_FLAGS);
    measureEnv = { ...measureEnv, ...PROPOSED_NODE_ENV };
  }
  if (process.argv.includes("--bare-process")) {
    measureFlags = [];
    measureEnv = {};
  }
  const dbJson = argument("--db-options");
  if (dbJson !== undefined) dbOptions = { ...DB_OPTIONS, ...JSON.parse(dbJson), ...BINARY };
  const storeJson = argument("--store-options");
  if (storeJson !== undefined) storeOptions = JSON.parse(storeJson);
  breakdownPath = argument("--breakdown");
  const fillDir = argument("--fill");
  const measureDir = argument("--measure");
  if (fillDir !== undefined) {
    await fill(fillDir, Number(process.argv[process.argv.indexOf("--fill") + 2]));
  } else if (measureDir !== undefined) {
    const [keys, blockWrites, blocks, proofs] = JSON.parse(
      process.argv[process.argv.indexOf("--measure") + 2]!,
    );
    console.log(JSON.stringify(await measureFilled(measureDir, keys, blockWrites, blocks, proofs)));
  } else {
    const keys = argument("--keys")?.split(",").map(Number);
    const block = argument("--blockWrites") ?? argument("--block");
    const blocks = argument("--blocks");
    const options: StoreBenchOptions = {};
    if (keys !== undefined) options.keys = keys;
    if (block !== undefined) options.blockWrites = Number(block);
    if (blocks !== undefined) options.blocks = Number(blocks);
    await runStoreBench(options);
  }
}
