// cosmjs-types' BinaryWriter.finish() allocates its output through `pool(...)(size)`, building a new
// pool on every call: each message of at most 4 KiB gets a fresh zeroed 8 KiB slab. Accounts, tx
// records, results and sign docs are encoded several times per tx, so that was ~8 KiB of garbage per
// encode and a visible share of main-thread time (allocation and GC) in the tx pipeline. Exact-size
// arrays hold the same bytes; nothing here or in cosmjs-types relies on the slab behind a result.
// Imported for its effect by the application and the block store; idempotent.
import { BinaryWriter } from "cosmjs-types/binary";

const writer = BinaryWriter as unknown as { alloc(size: number): Uint8Array; exactAlloc?: true };
if (writer.exactAlloc !== true) {
  writer.alloc = (size: number): Uint8Array => new Uint8Array(size);
  writer.exactAlloc = true;
}
