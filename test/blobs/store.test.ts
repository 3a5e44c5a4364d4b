// Blob store on a real LevelDB and its HTTP route on a real loopback server: CID checks, size and
// total bounds, idempotent puts, the reference check, 404, keys inside the node keyspace byte.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import { ClassicLevel } from "classic-level";
import { blobRoute } from "../../chain/blobs/http.ts";
import { BlobError, BlobStore, blobCid } from "../../chain/blobs/store.ts";
import { KEYSPACE } from "../../chain/db-keyspace.ts";

async function openDb(t: ExecutionContext) {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-blobs-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  t.teardown(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  return db;
}

const bytes = (text: string) => new TextEncoder().encode(text);

test("put checks the CID, stores once, counts usage and refuses past the total bound", async (t) => {
  const db = await openDb(t);
  const store = new BlobStore({ db, maxBlobBytes: 16, maxTotalBytes: 20 });
  const a = bytes("0123456789");
  const cidA = await blobCid(a);
  t.true(await store.put(cidA, a));
  t.false(await store.put(cidA, a));
  t.deepEqual(await store.usage(), { bytes: 10n, count: 1n });
  t.deepEqual(new Uint8Array((await store.get(cidA))!), a);
  t.is(await store.get(await blobCid(bytes("x"))), undefined);
  const mismatch = await t.throwsAsync(store.put(cidA, bytes("other")), { instanceOf: BlobError });
  t.is(mismatch?.code, "cid_mismatch");
  const big = bytes("x".repeat(17));
  t.is(
    (await t.throwsAsync(store.put(await blobCid(big), big), { instanceOf: BlobError }))?.code,
    "too_large",
  );
  const b = bytes("abcdefghijk");
  t.is(
    (await t.throwsAsync(store.put(await blobCid(b), b), { instanceOf: BlobError }))?.code,
    "storage_full",
  );
  t.is((await t.throwsAsync(store.put("bafy-nonsense", a), { instanceOf: BlobError }))?.code, "invalid_cid");
  for await (const key of db.keys()) t.is(key[0], KEYSPACE.blobs);
});

test("HTTP route: 201/200 on put, 403 unreferenced, 404 unknown, 413, 422, 405", async (t) => {
  const db = await openDb(t);
  const referenced = new Set<string>();
  const route = blobRoute({
    store: new BlobStore({ db, maxBlobBytes: 64 }),
    isReferenced: async (cid) => referenced.has(cid),
  });
  const server = createServer((request, response) => void route.handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address() as { port: number };
  const url = (cid: string) => `http://127.0.0.1:${address.port}/blobs/${cid}`;
  const body = bytes("profile bytes");
  const cid = await blobCid(body);
  const codeOf = async (response: Response) =>
    ((await response.json()) as { error: { code: string } }).error.code;

  const unreferenced = await fetch(url(cid), { method: "PUT", body });
  t.is(unreferenced.status, 403);
  t.is(await codeOf(unreferenced), "not_referenced");
  referenced.add(cid);
  t.is((await fetch(url(cid), { method: "PUT", body })).status, 201);
  t.is((await fetch(url(cid), { method: "PUT", body })).status, 200);
  const got = await fetch(url(cid));
  t.is(got.status, 200);
  t.deepEqual(new Uint8Array(await got.arrayBuffer()), body);
  const unknown = await fetch(url(await blobCid(bytes("nope"))));
  t.is(unknown.status, 404);
  t.is(await codeOf(unknown), "not_found");
  const wrong = await fetch(url(await blobCid(bytes("nope"))), { method: "PUT", body });
  t.is(wrong.status, 422);
  t.is(await codeOf(wrong), "cid_mismatch");
  const big = bytes("y".repeat(65));
  const oversized = await fetch(url(await blobCid(big)), { method: "PUT", body: big });
  t.is(oversized.status, 413);
  t.is(await codeOf(oversized), "too_large");
  t.is((await fetch(url(cid), { method: "DELETE" })).status, 405);
  t.is((await fetch(url("not-a-cid"))).status, 400);
});
