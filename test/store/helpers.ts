// Shared fixtures of the store tests: a real LevelDB in a temp dir, deterministic random bytes.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecutionContext } from "ava";
import { ClassicLevel } from "classic-level";
import { type Database, DB_OPTIONS } from "../../chain/store/db.ts";

export async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-store-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function openDb(location: string): Promise<Database> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(location, DB_OPTIONS);
  await db.open();
  return db;
}

export async function tempDb(t: ExecutionContext): Promise<{ db: Database; dir: string }> {
  const dir = await tempDir(t);
  const db = await openDb(dir);
  t.teardown(() => db.close());
  return { db, dir };
}

/** xorshift32: reproducible "random" bytes so failures replay. */
export function seededRandom(seed: number): {
  bytes(min: number, max: number): Uint8Array;
  int(n: number): number;
} {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  return {
    int: (n) => next() % n,
    bytes(min, max) {
      const length = min + (next() % (max - min + 1));
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = next() & 0xff;
      return out;
    },
  };
}

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
