// A ReadingStore on a real LevelDB in a fresh temp dir, closed and removed when the test ends.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecutionContext } from "ava";
import { ClassicLevel } from "classic-level";
import { ReadingStore } from "../../bridge-mqtt/reading-store.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";

export async function openReadingStore(t: ExecutionContext, dirPrefix = "sensorchain-store-") {
  const dir = await mkdtemp(join(tmpdir(), dirPrefix));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "db"), DB_OPTIONS);
  await db.open();
  const store = new ReadingStore(db);
  t.teardown(async () => {
    await store.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { store, db, dir };
}
