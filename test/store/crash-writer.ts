// Child process of crash.test.ts: commits blocks as fast as it can and reports each committed version on
// stdout, until the parent kills it with SIGKILL. With "reopen", it closes the database every few versions (which
// writes the trees' snapshot file, chain/store/smt-snapshot.ts) and reopens it, reporting "closing" first.
import { ClassicLevel } from "classic-level";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";

const location = process.argv[2]!;
const reopen = process.argv[3] === "reopen";
const REOPEN_EVERY_VERSIONS = 3;

async function open() {
  // The options the node opens its database with, so that crash safety is tested with the same memtable size.
  const db = new ClassicLevel<Uint8Array, Uint8Array>(location, DB_OPTIONS);
  await db.open();
  const cms = await openCommitMultiStore({
    db,
    storeNames: ["alpha", "beta"],
    pruning: { keepRecent: 5, interval: 3 },
  });
  return { db, cms };
}

let { db, cms } = await open();
let seed = 12345;
const random = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
for (let version = cms.lastCommit().version + 1; ; version++) {
  const cache = cms.cacheMultiStore();
  for (let i = 0; i < 300; i++) {
    const store = cache.store(random(2) === 0 ? "alpha" : "beta");
    const key = new TextEncoder().encode(`key-${random(2000)}`);
    if (random(5) === 0) store.delete(key);
    else store.set(key, new TextEncoder().encode(`value-${version}-${i}`));
  }
  // Extra ops in the same batch, as the block store adds them.
  const extra = [{ type: "put" as const, key: Uint8Array.of(0x10, version & 0xff), value: Uint8Array.of(1) }];
  await cms.commit(await cms.prepareCommit(cache, version), extra);
  process.stdout.write(`${version}\n`);
  if (reopen && version % REOPEN_EVERY_VERSIONS === 0) {
    process.stdout.write("closing\n");
    await db.close();
    ({ db, cms } = await open());
  }
}
