// Crash-safe file writes: a reader sees the old file or the new one, never half of either, and once
// the call returns the new file survives a power loss (the rename is made durable by fsyncing the
// directory; without it the old name could come back after a crash).
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";

let counter = 0;

export function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  const bytes = Buffer.from(content);
  writeFileAtomicWith(
    file,
    (fd) => {
      for (let written = 0; written < bytes.length; )
        written += writeSync(fd, bytes, written, bytes.length - written);
    },
    mode,
  );
}

/** writeFileAtomic of what `write` writes to the open file descriptor (a file written in chunks: chain/store's
 * snapshot). `temporary` is the name it is written under first: a fixed one is overwritten by the next write
 * after a crash, where the default (pid and counter) would leave the file behind. */
export function writeFileAtomicWith(
  file: string,
  write: (fd: number) => void,
  mode = 0o644,
  temporary = `${file}.tmp-${process.pid}-${counter++}`,
): void {
  const fd = openSync(temporary, "w", mode);
  try {
    write(fd);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameDurably(temporary, file);
}

/** Renames a complete, fsynced `temporary` file to `file` and fsyncs the directory, so the rename survives a power
 * loss. */
function renameDurably(temporary: string, file: string): void {
  renameSync(temporary, file);
  const directory = openSync(dirname(file), "r");
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}
