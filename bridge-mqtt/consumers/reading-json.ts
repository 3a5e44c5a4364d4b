// The JSON form of a stored reading, as consumers get it (streams' …/json topic and HTTP history):
// the same fields and spelling a device may publish (bridge-mqtt/README.md, Readings): 64-bit
// integers as decimal strings, bytes as standard base64.
import type { Reading } from "../../modules/meter/reading.ts";

export interface ReadingJson {
  device_id: string;
  sequence: string;
  timestamp_ms: string;
  values: { name: string; unit: string; value: string }[];
  ciphertext: string;
  signature: string;
}

export function readingToJson(reading: Reading): ReadingJson {
  return {
    device_id: reading.deviceId,
    sequence: reading.sequence.toString(),
    timestamp_ms: reading.timestampMs.toString(),
    values: reading.values.map(({ name, unit, value }) => ({ name, unit, value })),
    ciphertext: Buffer.from(reading.ciphertext).toString("base64"),
    signature: Buffer.from(reading.signature).toString("base64"),
  };
}
