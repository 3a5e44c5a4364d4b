import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import { decodeWalInput, encodeWalInput } from "../../chain/consensus/tendermint/messages.ts";
import {
  crc32c,
  FileWalStorage,
  inputsAfterEndHeight,
  Wal,
  WalCorruptionError,
} from "../../chain/consensus/wal.ts";

async function tempWal(t: ExecutionContext) {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-wal-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return join(dir, "cs.wal");
}

function collectingLogger() {
  const warnings: object[] = [];
  return { warnings, logger: { warn: (object: object) => warnings.push(object) } };
}

const timeout = (round: number) => encodeWalInput({ kind: "timeout", height: 5n, round, step: "propose" });

async function writeSample(path: string) {
  const { wal } = await Wal.open(new FileWalStorage(path), collectingLogger().logger);
  await wal.writeEndHeight(4n);
  await wal.writeInput(timeout(0), false);
  await wal.writeInput(timeout(1), true);
  await wal.close();
}

test("crc32c matches the Castagnoli check value", (t) => {
  t.is(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
});

test("records written are read back after the EndHeight marker, in order", async (t) => {
  const path = await tempWal(t);
  await writeSample(path);
  const { wal, records } = await Wal.open(new FileWalStorage(path), collectingLogger().logger);
  await wal.close();
  const inputs = inputsAfterEndHeight(records, 4n)!;
  t.deepEqual(
    inputs.map((payload) => decodeWalInput(payload)),
    [
      { kind: "timeout", height: 5n, round: 0, step: "propose" },
      { kind: "timeout", height: 5n, round: 1, step: "propose" },
    ],
  );
  t.is(inputsAfterEndHeight(records, 5n), undefined);
});

test("a torn tail (partial last record) is cut off with a warning, the good records kept", async (t) => {
  const path = await tempWal(t);
  await writeSample(path);
  const good = (await stat(path)).size;
  // Half of a record: a header announcing 100 bytes, and 10 of them.
  const torn = new Uint8Array(18);
  new DataView(torn.buffer).setUint32(4, 100);
  await appendFile(path, torn);
  const { warnings, logger } = collectingLogger();
  const { wal, records } = await Wal.open(new FileWalStorage(path), logger);
  await wal.close();
  t.is(records.length, 3);
  t.is(warnings.length, 1);
  t.is((await stat(path)).size, good);
});

test("a bad checksum in the last record is a torn tail too", async (t) => {
  const path = await tempWal(t);
  await writeSample(path);
  const bytes = new Uint8Array(await readFile(path));
  bytes[bytes.length - 1]! ^= 0xff;
  await writeFile(path, bytes);
  const { warnings, logger } = collectingLogger();
  const { wal, records } = await Wal.open(new FileWalStorage(path), logger);
  await wal.close();
  t.is(records.length, 2);
  t.is(warnings.length, 1);
});

test("corruption in the middle refuses to open, and the file is left as it was", async (t) => {
  const path = await tempWal(t);
  await writeSample(path);
  const bytes = new Uint8Array(await readFile(path));
  bytes[20]! ^= 0xff; // inside the second record; the third follows it
  await writeFile(path, bytes);
  const error = await t.throwsAsync(Wal.open(new FileWalStorage(path), collectingLogger().logger), {
    instanceOf: WalCorruptionError,
  });
  t.is(error?.code, "wal_corrupted");
  t.deepEqual(new Uint8Array(await readFile(path)), bytes);
});

test("zero bytes after the last record (a file extended by a crash) are a torn tail", async (t) => {
  const path = await tempWal(t);
  await writeSample(path);
  await appendFile(path, new Uint8Array(4096));
  const { warnings, logger } = collectingLogger();
  const { wal, records } = await Wal.open(new FileWalStorage(path), logger);
  await wal.close();
  t.is(records.length, 3);
  t.is(warnings.length, 1);
});
