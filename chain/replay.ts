// Re-executes every stored block from genesis into a fresh state and compares each app hash and
// results hash with the headers that committed to them: proof that the stored state is exactly what
// the blocks produce. The auditor command (`sensorchain replay`) and the crash tests use it.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { loadGenesisFile } from "../genesis/genesis.ts";
import { openBlockStore } from "./blockstore/open.ts";
import { loadConfig } from "./config/config.ts";
import { CHAIN_STATE_KEY, decodeChainState } from "./consensus/chain-state.ts";
import { genesisInitChainRequest } from "./consensus/genesis-state.ts";
import { bytesEqual, toHex } from "./crypto/hash.ts";
import { createApplication } from "./node/application.ts";
import { DB_OPTIONS } from "./store/db.ts";
import { hashResults } from "./types/hashes.ts";

export interface ReplayMismatch {
  height: string;
  what: "app_hash" | "last_results_hash";
  expected: string;
  actual: string;
}

export interface ReplayReport {
  blocks: number;
  txs: number;
  seconds: number;
  mismatches: ReplayMismatch[];
  finalAppHash: Uint8Array;
  storedAppHash: Uint8Array;
}

export async function replayChain(input: { home: string }): Promise<ReplayReport> {
  const config = await loadConfig(input.home, {});
  const genesis = await loadGenesisFile(join(input.home, "config", "genesis.json"));
  const source = new ClassicLevel<Uint8Array, Uint8Array>(join(input.home, "data", "chain.db"), DB_OPTIONS);
  await source.open();
  const scratch = await mkdtemp(join(tmpdir(), "sensorchain-replay-"));
  const target = new ClassicLevel<Uint8Array, Uint8Array>(scratch, DB_OPTIONS);
  await target.open();
  try {
    const blockStore = await openBlockStore(source);
    const savedState = await source.get(CHAIN_STATE_KEY);
    const app = await createApplication({ db: target, genesis, config });
    const started = performance.now();
    let appHash = (await app.initChain(genesisInitChainRequest(genesis))).appHash;
    const mismatches: ReplayMismatch[] = [];
    let txs = 0;
    const last = blockStore.height();
    for (let height = genesis.initialHeight; height <= last; height++) {
      const block = await blockStore.loadBlock(height);
      if (block === undefined) throw new Error(`block ${height} is missing from the block store`);
      if (!bytesEqual(block.header.appHash, appHash)) {
        mismatches.push({
          height: String(height),
          what: "app_hash",
          expected: toHex(block.header.appHash),
          actual: toHex(appHash),
        });
      }
      const meta = await blockStore.loadBlockMeta(height);
      const results = await app.finalizeBlock({
        txs: block.data.txs,
        height,
        time: block.header.time,
        proposerAddress: block.header.proposerAddress,
        nextValidatorsHash: block.header.nextValidatorsHash,
        hash: meta?.blockId.hash ?? new Uint8Array(),
        decidedLastCommit: { round: block.lastCommit.round, votes: [] },
        misbehavior: [],
      });
      const next = await blockStore.loadBlock(height + 1n);
      if (next !== undefined && !bytesEqual(next.header.lastResultsHash, hashResults(results.txResults))) {
        mismatches.push({
          height: String(height),
          what: "last_results_hash",
          expected: toHex(next.header.lastResultsHash),
          actual: toHex(hashResults(results.txResults)),
        });
      }
      await app.commit({ extraOperations: [] });
      appHash = results.appHash;
      txs += block.data.txs.length;
    }
    const storedAppHash = savedState === undefined ? new Uint8Array() : decodeChainState(savedState).appHash;
    return {
      blocks: Number(last - genesis.initialHeight + 1n),
      txs,
      seconds: (performance.now() - started) / 1000,
      mismatches,
      finalAppHash: appHash,
      storedAppHash,
    };
  } finally {
    await target.close();
    await source.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
