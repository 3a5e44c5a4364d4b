// Crash-safe file writes: a reader sees the old file or the new one, never half of either, and once
// the call returns the new file survives a power loss (the rename is made durable by fsyncing the
// directory; without it the old name could come back after a crash).
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";

let counter = 0;

export function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  const temporary = `${file}.tmp-${process.pid}-${counter++}`;
  const fd = openSync(temporary, "w", mode);
  try {
    const bytes = Buffer.from(content);
    for (let written = 0; written < bytes.length; )
      written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameDurably(temporary, file);
}

/** Renames a complete, fsynced `temporary` file to `file` and fsyncs the directory, so the rename survives a power
 * loss (also used for files written in chunks: chain/store/smt-snapshot.ts). */
export function renameDurably(temporary: string, file: string): void {
  renameSync(temporary, file);
  const directory = openSync(dirname(file), "r");
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}
