// chain/store/db.ts writeBatch: the operations land together and in order, also with a default encoding other
// than binary, a prewrite hook or a write listener; a key or value that is not bytes changes nothing.
import test from "ava";
import { ClassicLevel } from "classic-level";
import type { BatchOperation } from "../../chain/db-keyspace.ts";
import { BatchOperationError, getSync, writeBatch } from "../../chain/store/db.ts";
import { collect, seededRandom, tempDb, tempDir, text } from "./helpers.ts";

async function entries(db: Parameters<typeof writeBatch>[0]): Promise<string[]> {
  const rows = await collect(db.iterator({ keyEncoding: "view", valueEncoding: "view" }));
  return rows.map(([k, v]) => `${Buffer.from(k).toString("hex")}=${Buffer.from(v).toString("hex")}`);
}

function model(operations: readonly BatchOperation[], start = new Map<string, string>()): string[] {
  for (const operation of operations) {
    const key = Buffer.from(operation.key).toString("hex");
    if (operation.type === "put") start.set(key, Buffer.from(operation.value).toString("hex"));
    else start.delete(key);
  }
  return [...start].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
}

function randomOperations(seed: number, count: number): BatchOperation[] {
  const random = seededRandom(seed);
  // Few distinct keys, so that later operations overwrite and delete earlier ones of the same batch.
  return Array.from({ length: count }, (): BatchOperation => {
    const key = Uint8Array.of(random.int(40));
    return random.int(3) === 0 ? { type: "del", key } : { type: "put", key, value: random.bytes(0, 40) };
  });
}

test("puts and deletes land in order, as one batch, on top of what was there", async (t) => {
  const { db } = await tempDb(t);
  const first = randomOperations(1, 200);
  await writeBatch(db, first, false);
  t.deepEqual(await entries(db), model(first));
  const second = [{ type: "del", key: first[0]!.key } as const, ...randomOperations(2, 300)];
  await writeBatch(db, second, true);
  t.deepEqual(await entries(db), model([...first, ...second]));
  // Empty keys and values are bytes too.
  await writeBatch(db, [{ type: "put", key: text("k"), value: new Uint8Array() }], false);
  t.is(getSync(db, text("k"))?.length, 0);
});

test("an empty batch writes nothing and resolves", async (t) => {
  const { db } = await tempDb(t);
  await writeBatch(db, [], true);
  t.deepEqual(await entries(db), []);
});

test("a key or value that is not bytes is refused before anything is written", async (t) => {
  const { db } = await tempDb(t);
  const good: BatchOperation = { type: "put", key: text("a"), value: text("1") };
  const badValue = { type: "put", key: text("b"), value: "2" } as unknown as BatchOperation;
  const badKey = { type: "del", key: undefined } as unknown as BatchOperation;
  const error = t.throws(() => writeBatch(db, [good, badValue], false), { instanceOf: BatchOperationError });
  t.is(error?.code, "bad_batch_operation");
  t.throws(() => writeBatch(db, [good, good, badKey], false), { instanceOf: BatchOperationError });
  t.deepEqual(await entries(db), []);
});

test("a closed database rejects and writes nothing", async (t) => {
  const dir = await tempDir(t);
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  await db.close();
  t.throws(() => writeBatch(db, randomOperations(3, 5), true));
  await db.open();
  t.deepEqual(await entries(db), []);
  await db.close();
});

test("bytes whatever the database's default encodings", async (t) => {
  const dir = await tempDir(t);
  const db = new ClassicLevel<string, string>(dir, { keyEncoding: "utf8", valueEncoding: "json" });
  t.teardown(() => db.close());
  await db.open();
  const operations = randomOperations(4, 100);
  await writeBatch(db as unknown as Parameters<typeof writeBatch>[0], operations, false);
  t.deepEqual(await entries(db as unknown as Parameters<typeof writeBatch>[0]), model(operations));
});

test("a prewrite hook and a write listener see every operation", async (t) => {
  const { db } = await tempDb(t);
  const hooked: string[] = [];
  const hook = (operation: { type: string; key: Uint8Array }) => {
    hooked.push(`${operation.type}:${Buffer.from(operation.key).toString("hex")}`);
  };
  db.hooks.prewrite.add(hook);
  const operations = randomOperations(5, 50);
  await writeBatch(db, operations, false);
  db.hooks.prewrite.delete(hook);
  t.deepEqual(
    hooked,
    operations.map((o) => `${o.type}:${Buffer.from(o.key).toString("hex")}`),
  );
  const written: number[] = [];
  const listener = (batch: unknown[]) => written.push(batch.length);
  db.on("write", listener);
  const more = randomOperations(6, 70);
  await writeBatch(db, more, false);
  db.off("write", listener);
  t.deepEqual(written, [70]);
  t.deepEqual(await entries(db), model([...operations, ...more]));
});
