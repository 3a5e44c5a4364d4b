// ASCII strings read with Node's native latin1 slice, straight from any Uint8Array (no Buffer wrapper,
// no UTF-8 decoder): for ASCII bytes latin1 and UTF-8 give the same string, and the strings the hot
// paths read (addresses, denoms, amounts, device ids, decimals) are ASCII. Anything else is left to
// the caller's own UTF-8 path, so its edge cases (invalid sequences, BOMs) keep their old reading.
type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: Latin1Slice }).latin1Slice;

/** bytes[start..end) as latin1: one UTF-16 unit per byte. */
export function latin1String(bytes: Uint8Array, start: number, end: number): string {
  return start === end ? "" : latin1Slice.call(bytes, start, end);
}

/** bytes[start..end) as a string when every byte is ASCII; undefined otherwise. */
export function asciiString(bytes: Uint8Array, start: number, end: number): string | undefined {
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return undefined;
  return latin1String(bytes, start, end);
}
