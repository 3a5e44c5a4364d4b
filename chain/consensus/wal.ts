// Consensus write-ahead log (CometBFT consensus/wal.go). Every input of the state machine is
// appended before it is handled; our own signed proposals and votes are fsynced before they are
// broadcast; an EndHeight record marks each committed height, so a restart replays only the inputs
// of the height in progress. Record framing (all integers big-endian):
//   crc32c(type ‖ payload) : 4 bytes
//   length(type ‖ payload) : 4 bytes, 1 ≤ length ≤ MAX_WAL_RECORD_BYTES
//   type                   : 1 byte  (1 = EndHeight, 2 = input)
//   payload                : EndHeight: height as 8 bytes; input: messages.ts encodeWalInput
// A bad record at the tail (a torn last write: it runs past the end of the file, or only zero bytes
// follow) is cut off with a warning; a bad record followed by more data is corruption in the middle,
// and the node refuses to start.
import { fsyncSync, writeSync } from "node:fs";
import { type FileHandle, mkdir, open, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { concatBytes } from "../types/bytes.ts";
import { MAX_CONSENSUS_MESSAGE_BYTES } from "./tendermint/messages.ts";

/** Largest record: the largest consensus message plus the WAL-only fields. */
export const MAX_WAL_RECORD_BYTES = MAX_CONSENSUS_MESSAGE_BYTES + 1024;
/** When the log passes this size at a height boundary it is compacted to the last EndHeight. */
export const MAX_WAL_FILE_BYTES = 64 * 1024 * 1024;
/** Received inputs buffered in memory before they are written, bytes (a few proposals of a loaded
 * chain). They are written before any fsynced record, at every EndHeight, on `flush` (the engine
 * calls it every gossip interval, as CometBFT flushes its WAL every 2 s) and when this is reached. */
export const MAX_WAL_BUFFER_BYTES = 1024 * 1024;
const HEADER_BYTES = 8;
export const WalRecordType = { endHeight: 1, input: 2 } as const;

export class WalCorruptionError extends Error {
  readonly code = "wal_corrupted";
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** Where the log bytes live: a file (FileWalStorage) or the simulation's in-memory disk. */
export interface WalStorage {
  readAll(): Promise<Uint8Array>;
  append(bytes: Uint8Array): Promise<void>;
  /** Makes every appended byte durable (fsync). */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  /** Atomically replaces the whole log (write, fsync, rename). */
  replace(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

// CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, as CometBFT's WAL uses.
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function encodeWalRecord(type: number, payload: Uint8Array): Uint8Array {
  const body = new Uint8Array(1 + payload.length);
  body[0] = type;
  body.set(payload, 1);
  if (body.length > MAX_WAL_RECORD_BYTES)
    throw new RangeError(`WAL record of ${body.length} bytes is too large`);
  const record = new Uint8Array(HEADER_BYTES + body.length);
  const view = new DataView(record.buffer);
  view.setUint32(0, crc32c(body));
  view.setUint32(4, body.length);
  record.set(body, HEADER_BYTES);
  return record;
}

export function endHeightPayload(height: bigint): Uint8Array {
  const payload = new Uint8Array(8);
  new DataView(payload.buffer).setBigUint64(0, height);
  return payload;
}

export interface WalRecord {
  type: number;
  payload: Uint8Array;
  offset: number;
}

export interface ParsedWal {
  records: WalRecord[];
  /** Bytes of good records; anything after is a torn tail to cut. */
  goodLength: number;
  tornTail: { offset: number; reason: string } | undefined;
}

function onlyZeros(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Parses the whole log; throws WalCorruptionError for damage that is not a torn tail. */
export function parseWal(bytes: Uint8Array): ParsedWal {
  const records: WalRecord[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset < bytes.length) {
    const bad = (reason: string, recordEnd: number): ParsedWal => {
      if (recordEnd >= bytes.length || onlyZeros(bytes, offset))
        return { records, goodLength: offset, tornTail: { offset, reason } };
      throw new WalCorruptionError(
        `WAL corrupted at byte ${offset}: ${reason}, with ${bytes.length - recordEnd} bytes after it`,
        offset,
      );
    };
    if (offset + HEADER_BYTES > bytes.length) return bad("truncated record header", bytes.length);
    const checksum = view.getUint32(offset);
    const length = view.getUint32(offset + 4);
    if (length === 0 || length > MAX_WAL_RECORD_BYTES)
      return bad(`bad record length ${length}`, bytes.length);
    const end = offset + HEADER_BYTES + length;
    if (end > bytes.length) return bad("record runs past the end of the log", end);
    const body = bytes.subarray(offset + HEADER_BYTES, end);
    if (crc32c(body) !== checksum) return bad("checksum mismatch", end);
    const type = body[0]!;
    if (type !== WalRecordType.endHeight && type !== WalRecordType.input)
      return bad(`unknown record type ${type}`, end);
    if (type === WalRecordType.endHeight && body.length !== 9)
      return bad("EndHeight record of wrong size", end);
    records.push({ type, payload: body.subarray(1), offset });
    offset = end;
  }
  return { records, goodLength: offset, tornTail: undefined };
}

export interface WalLogger {
  warn(object: object, message: string): void;
}

/** The log of one node. Not safe for concurrent writers: the engine's single loop owns it (`flush`
 * may run beside it: writes are chained in order).
 *
 * Received messages are logged without fsync (CometBFT too): a crash may lose the last ones, and
 * gossip brings them again. So they need not reach the file at once either: they are buffered and
 * written in one append with the next fsynced record (the node's own signed message, which must be
 * durable with everything it was based on: the order is kept) or EndHeight. Each write the engine
 * awaited was an event-loop turn per received vote, behind whatever else the loop had queued (tx
 * ingress under load): seconds per height (docs/PERFORMANCE.md, Devnet). */
export class Wal {
  readonly #storage: WalStorage;
  /** Bytes in the file, written or being written. */
  #size = 0;
  #buffered: Uint8Array[] = [];
  #bufferedBytes = 0;
  /** The last append/sync started: the next one waits for it, so records stay in order. */
  #writing: Promise<void> = Promise.resolve();

  private constructor(storage: WalStorage, size: number) {
    this.#storage = storage;
    this.#size = size;
  }

  /** Opens the log, cutting a torn tail (logged); corruption elsewhere throws WalCorruptionError. */
  static async open(storage: WalStorage, logger: WalLogger): Promise<{ wal: Wal; records: WalRecord[] }> {
    const bytes = await storage.readAll();
    const parsed = parseWal(bytes);
    if (parsed.tornTail !== undefined) {
      logger.warn(
        {
          offset: parsed.tornTail.offset,
          droppedBytes: bytes.length - parsed.goodLength,
          reason: parsed.tornTail.reason,
        },
        "WAL: torn tail cut off (crash during a write)",
      );
      await storage.truncate(parsed.goodLength);
      await storage.sync();
    }
    return { wal: new Wal(storage, parsed.goodLength), records: parsed.records };
  }

  /** Appends an input record: buffered (see the class comment) unless `sync`, which writes it with
   * everything buffered before it and fsyncs (own signed messages, before they leave the node). */
  async writeInput(payload: Uint8Array, sync: boolean): Promise<void> {
    this.#buffer(encodeWalRecord(WalRecordType.input, payload));
    if (sync) await this.#write(true);
    else if (this.#bufferedBytes >= MAX_WAL_BUFFER_BYTES) await this.#write(false);
  }

  /** Marks `height` committed (fsynced); compacts the log when it has grown past its bound. */
  async writeEndHeight(height: bigint): Promise<void> {
    const record = encodeWalRecord(WalRecordType.endHeight, endHeightPayload(height));
    if (this.#size + this.#bufferedBytes + record.length > MAX_WAL_FILE_BYTES) {
      // The inputs of the ended height are not needed: the log restarts at its EndHeight.
      this.#buffered = [];
      this.#bufferedBytes = 0;
      const replacing = this.#writing.then(() => this.#storage.replace(record));
      this.#writing = replacing;
      this.#size = record.length;
      await replacing;
      return;
    }
    this.#buffer(record);
    await this.#write(true);
  }

  /** Writes the buffered records (no fsync). */
  async flush(): Promise<void> {
    if (this.#bufferedBytes > 0) await this.#write(false);
    else await this.#writing;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.#storage.close();
  }

  #buffer(record: Uint8Array): void {
    this.#buffered.push(record);
    this.#bufferedBytes += record.length;
  }

  #write(sync: boolean): Promise<void> {
    const bytes = this.#buffered.length === 1 ? this.#buffered[0]! : concatBytes(...this.#buffered);
    this.#buffered = [];
    this.#bufferedBytes = 0;
    this.#size += bytes.length;
    const storage = this.#storage;
    const writing = this.#writing.then(async () => {
      if (bytes.length > 0) await storage.append(bytes);
      if (sync) await storage.sync();
    });
    this.#writing = writing;
    return writing;
  }
}

/** The input records after the EndHeight of `height`, or undefined when the log has no such marker. */
export function inputsAfterEndHeight(
  records: readonly WalRecord[],
  height: bigint,
): Uint8Array[] | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i]!;
    if (record.type !== WalRecordType.endHeight) continue;
    const marked = new DataView(record.payload.buffer, record.payload.byteOffset, 8).getBigUint64(0);
    if (marked === height)
      return records
        .slice(i + 1)
        .filter((r) => r.type === WalRecordType.input)
        .map((r) => r.payload);
    if (marked < height) return undefined;
  }
  return undefined;
}

/** A WAL in one file (`<home>/data/cs.wal`). */
export class FileWalStorage implements WalStorage {
  readonly #path: string;
  #handle: FileHandle | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  async #file(): Promise<FileHandle> {
    if (this.#handle === undefined) {
      await mkdir(dirname(this.#path), { recursive: true });
      this.#handle = await open(this.#path, "a+");
    }
    return this.#handle;
  }

  async readAll(): Promise<Uint8Array> {
    const handle = await this.#file();
    const { size } = await handle.stat();
    const buffer = new Uint8Array(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(buffer, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  }

  // append and sync write synchronously (the file is opened "a+": every write appends): an own vote
  // or proposal waits for both before it is broadcast, and each awaited libuv request was a turn of an
  // event loop busy with tx ingress. The main thread blocks for the write and fsync instead.
  async append(bytes: Uint8Array): Promise<void> {
    const fd = (await this.#file()).fd;
    for (let written = 0; written < bytes.length; )
      written += writeSync(fd, bytes, written, bytes.length - written);
  }

  async sync(): Promise<void> {
    fsyncSync((await this.#file()).fd);
  }

  async truncate(length: number): Promise<void> {
    await (await this.#file()).truncate(length);
  }

  async replace(bytes: Uint8Array): Promise<void> {
    const temporary = `${this.#path}.tmp`;
    const handle = await open(temporary, "w");
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    await this.#handle?.close();
    this.#handle = undefined;
    await rename(temporary, this.#path);
    const directory = await open(dirname(this.#path), "r");
    await directory.sync();
    await directory.close();
  }

  async close(): Promise<void> {
    await this.#handle?.close();
    this.#handle = undefined;
  }
}
