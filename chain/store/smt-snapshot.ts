// The trees of the latest version in one file beside LevelDB's, written when the database is closed, so that a
// clean restart loads them instead of rebuilding them from state storage (~9 s of CPU at 10^6 keys: every key,
// value, leaf and inner node hashed again). A snapshot serves only the version it was written at: a node that has
// committed since (and then crashed) has a stale one, which open ignores and deletes. README.md, "Snapshot file".
import { readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { writeFileAtomicWith } from "../config/files.ts";
import { compareBytes } from "./bytes.ts";
import { EMPTY_REF, innerSlot, isLeafRef, leafSlot } from "./smt-arena.ts";
import { HASH_BYTES, MAX_DEPTH } from "./smt-node.ts";
import type { MemoryTree } from "./smt-tree.ts";

/** The file's name in the LevelDB directory (LevelDB ignores names that are not its own). */
export const SNAPSHOT_FILE = "smt-snapshot";
/** "SCSMT" 0 ‖ format 5 ‖ codec 2 (codec 1 wrote each leaf's key hash too: such a file is ignored and deleted at
 * open like a stale one, and the trees are rebuilt from state storage once). */
const MAGIC = Uint8Array.of(0x53, 0x43, 0x53, 0x4d, 0x54, 0x00, 0x05, 0x02);
const TAG_EMPTY = 0;
const TAG_LEAF = 1;
const TAG_INNER = 2;
const TAG_END = 3;
/** A leaf record before its key: tag ‖ hash ‖ f64 value version ‖ u32 key length. */
const LEAF_HEAD_BYTES = 1 + HASH_BYTES + 8 + 4;
/** Bytes written per write call (one buffer reused). */
const WRITE_CHUNK_BYTES = 4 << 20;

export interface SnapshotStore {
  readonly name: string;
  readonly tree: MemoryTree;
}

class ChunkWriter {
  #buffer = Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
  #used = 0;
  #crc = 0;
  readonly #fd: number;

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** Room for `bytes` more; returns the buffer and the offset to write them at. */
  reserve(bytes: number): [Buffer, number] {
    if (this.#used + bytes > this.#buffer.length) {
      this.flush();
      if (bytes > this.#buffer.length) this.#buffer = Buffer.allocUnsafe(bytes);
    }
    const at = this.#used;
    this.#used += bytes;
    return [this.#buffer, at];
  }

  flush(): void {
    const data = this.#buffer.subarray(0, this.#used);
    for (let written = 0; written < data.length; ) written += writeSync(this.#fd, data, written);
    this.#crc = crc32(data, this.#crc);
    this.#used = 0;
  }

  get crc(): number {
    return this.#crc;
  }
}

function writeNodes(tree: MemoryTree, ref: number, out: ChunkWriter): void {
  const arena = tree.arena;
  if (ref === EMPTY_REF) {
    const [buffer, at] = out.reserve(1);
    buffer[at] = TAG_EMPTY;
    return;
  }
  if (isLeafRef(ref)) {
    const slot = leafSlot(ref);
    const keyLength = arena.keyLength(slot);
    const [buffer, at] = out.reserve(LEAF_HEAD_BYTES + keyLength);
    buffer[at] = TAG_LEAF;
    const hashes = arena.leafHashArray(slot);
    const from = arena.leafHashOffset(slot);
    buffer.set(hashes.subarray(from, from + HASH_BYTES), at + 1);
    buffer.writeDoubleLE(arena.valueVersion(slot), at + 1 + HASH_BYTES);
    buffer.writeUInt32LE(keyLength, at + 9 + HASH_BYTES);
    arena.copyKey(slot, buffer, at + LEAF_HEAD_BYTES);
    return;
  }
  // Post-order: the children first, so that a reader has both refs when it meets their parent.
  const slot = innerSlot(ref);
  writeNodes(tree, arena.left(slot), out);
  writeNodes(tree, arena.right(slot), out);
  const [buffer, at] = out.reserve(1 + HASH_BYTES);
  buffer[at] = TAG_INNER;
  const hashes = arena.innerHashArray(slot);
  const from = arena.innerHashOffset(slot);
  buffer.set(hashes.subarray(from, from + HASH_BYTES), at + 1);
}

/** Writes the trees of committed `version` (each store's latest root) to `path`: a temporary file, fsync, rename,
 * directory fsync, so that a crash at any instant leaves the previous file or the new one. */
export function writeSnapshot(path: string, version: number, stores: readonly SnapshotStore[]): void {
  writeFileAtomicWith(
    path,
    (fd) => {
      const out = new ChunkWriter(fd);
      const [head, headAt] = out.reserve(MAGIC.length + 8 + 2);
      head.set(MAGIC, headAt);
      head.writeDoubleLE(version, headAt + MAGIC.length);
      head.writeUInt16LE(stores.length, headAt + MAGIC.length + 8);
      for (const { name, tree } of stores) {
        const nameBytes = Buffer.from(name, "utf8");
        const [buffer, at] = out.reserve(1 + nameBytes.length + HASH_BYTES);
        buffer[at] = nameBytes.length;
        buffer.set(nameBytes, at + 1);
        buffer.set(tree.hashOf(tree.root), at + 1 + nameBytes.length);
        writeNodes(tree, tree.root, out);
        const [end, endAt] = out.reserve(1);
        end[endAt] = TAG_END;
      }
      out.flush();
      const trailer = Buffer.alloc(4);
      trailer.writeUInt32LE(out.crc, 0);
      writeSync(fd, trailer);
    },
    0o644,
    `${path}.tmp`,
  );
}

/** Loads the trees in the snapshot at `path` into `trees` (empty, by store name) if the file is intact, was written
 * at `version`, and every store's tree in it has `expectedRoots`' root; returns false (and leaves the trees to be
 * discarded) otherwise. A stale or damaged file is deleted. */
export function readSnapshot(
  path: string,
  version: number,
  trees: ReadonlyMap<string, MemoryTree>,
  expectedRoots: ReadonlyMap<string, Uint8Array>,
): boolean {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return false;
  }
  const loaded = parse(bytes, version, trees, expectedRoots);
  if (!loaded) rmSync(path, { force: true });
  return loaded;
}

function parse(
  bytes: Buffer,
  version: number,
  trees: ReadonlyMap<string, MemoryTree>,
  expectedRoots: ReadonlyMap<string, Uint8Array>,
): boolean {
  if (bytes.length < MAGIC.length + 14 || compareBytes(bytes.subarray(0, MAGIC.length), MAGIC) !== 0)
    return false;
  const body = bytes.subarray(0, bytes.length - 4);
  if (crc32(body) !== bytes.readUInt32LE(bytes.length - 4)) return false;
  if (body.readDoubleLE(MAGIC.length) !== version) return false;
  const storeCount = body.readUInt16LE(MAGIC.length + 8);
  if (storeCount !== expectedRoots.size) return false;
  let at = MAGIC.length + 10;
  const stack = new Int32Array(MAX_DEPTH + 2);
  for (let s = 0; s < storeCount; s++) {
    const nameLength = body[at]!;
    const name = body.toString("utf8", at + 1, at + 1 + nameLength);
    at += 1 + nameLength;
    const tree = trees.get(name);
    const expected = expectedRoots.get(name);
    if (tree === undefined || expected === undefined) return false;
    if (compareBytes(body.subarray(at, at + HASH_BYTES), expected) !== 0) return false;
    at += HASH_BYTES;
    const arena = tree.arena;
    let depth = 0;
    // Post-order stream up to TAG_END: the tree is complete when one ref is left.
    for (;;) {
      const tag = body[at];
      if (tag === TAG_END) {
        at += 1;
        break;
      }
      if (tag === TAG_EMPTY) {
        if (depth >= stack.length) return false;
        stack[depth++] = EMPTY_REF;
        at += 1;
      } else if (tag === TAG_LEAF) {
        if (depth >= stack.length || at + LEAF_HEAD_BYTES > body.length) return false;
        const keyLength = body.readUInt32LE(at + 9 + HASH_BYTES);
        const keyAt = at + LEAF_HEAD_BYTES;
        if (keyAt + keyLength > body.length) return false;
        const slot = arena.allocLeaf(
          body.readDoubleLE(at + 1 + HASH_BYTES),
          body.subarray(keyAt, keyAt + keyLength),
          -1,
        );
        arena.leafHashArray(slot).set(body.subarray(at + 1, at + 1 + HASH_BYTES), arena.leafHashOffset(slot));
        stack[depth++] = -(slot + 1);
        at = keyAt + keyLength;
      } else if (tag === TAG_INNER) {
        if (depth < 2 || at + 1 + HASH_BYTES > body.length) return false;
        const right = stack[--depth]!;
        const left = stack[--depth]!;
        const slot = arena.allocInner(left, right);
        arena
          .innerHashArray(slot)
          .set(body.subarray(at + 1, at + 1 + HASH_BYTES), arena.innerHashOffset(slot));
        stack[depth++] = slot + 1;
        at += 1 + HASH_BYTES;
      } else return false;
    }
    if (depth !== 1) return false;
    const root = stack[0]!;
    if (compareBytes(tree.hashOf(root), expected) !== 0) return false;
    tree.commitRoot(root, version);
  }
  return at === body.length;
}

/** The snapshot path of a database at `location` (its directory). */
export function snapshotPath(location: string): string {
  return join(location, SNAPSHOT_FILE);
}
