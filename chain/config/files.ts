// Crash-safe file writes: a reader sees the old file or the new one, never half of either.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";

let counter = 0;

export function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  const temporary = `${file}.tmp-${process.pid}-${counter++}`;
  const fd = openSync(temporary, "w", mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}
