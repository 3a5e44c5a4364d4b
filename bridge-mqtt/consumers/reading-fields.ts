// The two fields of stored canonical Reading bytes (sensorchain.meter.v1.Reading) that history and
// proofs look at, read without decoding the rest: a day at 1 Hz is 86,400 readings, and most of a
// history scan is readings outside the range; proofs need only each reading's sequence.
import protobuf from "protobufjs/minimal.js";

/** Sequence (field 2) and timestamp_ms (field 3); 0 for an omitted (zero) field. Canonical bytes
 * hold fields in number order, so the scan stops at field 3. */
export function scanReadingFields(bytes: Uint8Array): { sequence: bigint; timestampMs: bigint } {
  const reader = protobuf.Reader.create(bytes);
  let sequence = 0n;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if (field === 2 || field === 3) {
      const value = BigInt(reader.uint64().toString());
      if (field === 2) sequence = value;
      else return { sequence, timestampMs: value };
    } else if (field > 3) break;
    else reader.skipType(tag & 7);
  }
  return { sequence, timestampMs: 0n };
}
