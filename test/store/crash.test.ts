// Crash safety: a writer committing in a loop is killed with SIGKILL at an arbitrary instant; the reopened
// store must be at a committed version whose roots recompute from its state storage.
import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { bytesEqual } from "../../chain/crypto/hash.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import { multistoreRoot } from "../../chain/store/simple-merkle.ts";
import { verifyChainedMembership } from "../../light-client/ics23/index.ts";
import { collect, openDb, tempDir } from "./helpers.ts";
import { smtRootOf } from "./smt-reference.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../..");
const KILL_AFTER_VERSION = 25;

/** Runs crash-writer.ts until it reports `killAfter` (with `reopen`: until its first close after that, so that
 * the kill lands while it writes or has just written its snapshot file); resolves with the last version reported. */
function runAndKill(location: string, killAfter: number, reopen = false): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const args = [join(here, "crash-writer.ts"), location, ...(reopen ? ["reopen"] : [])];
    const child = spawn(join(repoRoot, "node_modules/.bin/node"), args, {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let lastReported = -1;
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (line === "closing") {
          if (lastReported >= killAfter) child.kill("SIGKILL");
        } else if (line !== "") lastReported = Number(line);
      }
      if (!reopen && lastReported >= killAfter) child.kill("SIGKILL");
    });
    child.on("exit", (_code, signal) => {
      if (signal === "SIGKILL") resolvePromise(lastReported);
      else reject(new Error(`writer exited on its own: ${stderr}`));
    });
  });
}

for (const reopen of [false, true])
  test(`kill -9 during commits${reopen ? " and snapshot writes" : ""} leaves the last committed version intact`, async (t) => {
    const dir = await tempDir(t);
    let reported = -1;
    for (const killAfter of [KILL_AFTER_VERSION, KILL_AFTER_VERSION * 2]) {
      reported = await runAndKill(dir, killAfter, reopen);
      const db = await openDb(dir);
      try {
        const cms = await openCommitMultiStore({
          db,
          storeNames: ["alpha", "beta"],
          pruning: { keepRecent: 5, interval: 3 },
        });
        const { version, appHash } = cms.lastCommit();
        // Every reported commit is durable; at most the one in flight may also have landed.
        t.true(version >= reported && version <= reported + 1, `version ${version}, reported ${reported}`);
        const roots = await cms.storeRoots(version);
        const recomputed = [];
        for (const name of ["alpha", "beta"]) {
          const entries = await collect(cms.cacheMultiStore().store(name).iterate());
          const root = smtRootOf(entries);
          t.true(bytesEqual(root, roots.get(name)!), `${name} root recomputes from state storage`);
          recomputed.push({ name, root });
          const [key, value] = entries[0]!;
          const proof = await cms.prove(name, key, version);
          t.notThrows(() => verifyChainedMembership(appHash, proof.proofOps, name, key, value));
        }
        t.true(bytesEqual(multistoreRoot(recomputed), appHash));
      } finally {
        await db.close();
      }
    }
    t.true(reported >= KILL_AFTER_VERSION * 2);
  });
