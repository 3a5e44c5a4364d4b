// A worker thread of the device verification pool (verify-pool.ts): verifies each window's
// signatures with device-signature.ts (whose key caches are per thread) and answers with its
// verdicts written into the same buffer, which goes back to the pool for reuse. The scheme byte of a
// job is its key type's index in DEVICE_KEY_SCHEMES.
import { parentPort } from "node:worker_threads";
import { verifyDeviceSignature } from "./device-signature.ts";
import {
  DEVICE_KEY_SCHEMES,
  WINDOW_JOB_HEADER_BYTES,
  WINDOW_JOBS_AT,
  WINDOW_VERDICTS_AT,
} from "./verify-pool.ts";

if (parentPort === null) throw new Error("a verification worker must run in a worker thread");
const port = parentPort;

port.on("message", (buffer: ArrayBuffer) => {
  const bytes = new Uint8Array(buffer);
  const count = new DataView(buffer).getUint32(0);
  let at = WINDOW_JOBS_AT;
  for (let i = 0; i < count; i++) {
    const type = DEVICE_KEY_SCHEMES[bytes[at]!];
    const signatureLength = (bytes[at + 1]! << 8) | bytes[at + 2]!;
    const keyLength = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    const messageLength = (bytes[at + 5]! << 8) | bytes[at + 6]!;
    at += WINDOW_JOB_HEADER_BYTES;
    const signature = bytes.subarray(at, (at += signatureLength));
    const key = bytes.subarray(at, (at += keyLength));
    const message = bytes.subarray(at, (at += messageLength));
    bytes[WINDOW_VERDICTS_AT + i] =
      type !== undefined && verifyDeviceSignature({ type, key }, message, signature) ? 1 : 0;
  }
  port.postMessage(buffer, [buffer]);
});
