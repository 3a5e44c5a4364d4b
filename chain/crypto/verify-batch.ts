// The wire format between a signature verification pool (verify-pool.ts) and its workers: a batch
// of (scheme, signature, message, public key) packed into one transferable ArrayBuffer. Packing
// avoids the structured clone of each small Uint8Array, which would copy its whole backing buffer
// (often an 8 KiB Buffer pool slab or the entire tx), and makes a batch one postMessage.
import { parentPort } from "node:worker_threads";

/** One signature to check. `scheme` tells a worker that verifies several kinds which one this is
 * (its meaning is the worker's; 0 when the worker knows only one). */
export interface VerifyJob {
  scheme?: number;
  signature: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
}

/** Per job: u8 scheme, u32 signature length, u32 message length, u32 public key length, the bytes. */
const HEADER_BYTES = 13;

export function packJobs(jobs: readonly VerifyJob[]): ArrayBuffer {
  let total = 4;
  for (const job of jobs)
    total += HEADER_BYTES + job.signature.length + job.message.length + job.publicKey.length;
  const buffer = new ArrayBuffer(total);
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  view.setUint32(0, jobs.length);
  let offset = 4;
  for (const { scheme, signature, message, publicKey } of jobs) {
    view.setUint8(offset, scheme ?? 0);
    view.setUint32(offset + 1, signature.length);
    view.setUint32(offset + 5, message.length);
    view.setUint32(offset + 9, publicKey.length);
    offset += HEADER_BYTES;
    bytes.set(signature, offset);
    offset += signature.length;
    bytes.set(message, offset);
    offset += message.length;
    bytes.set(publicKey, offset);
    offset += publicKey.length;
  }
  return buffer;
}

export function unpackJobs(buffer: ArrayBuffer): VerifyJob[] {
  const view = new DataView(buffer);
  const count = view.getUint32(0);
  const jobs: VerifyJob[] = [];
  let offset = 4;
  for (let i = 0; i < count; i++) {
    const scheme = view.getUint8(offset);
    const signatureLength = view.getUint32(offset + 1);
    const messageLength = view.getUint32(offset + 5);
    const publicKeyLength = view.getUint32(offset + 9);
    offset += HEADER_BYTES;
    const signature = new Uint8Array(buffer, offset, signatureLength);
    offset += signatureLength;
    const message = new Uint8Array(buffer, offset, messageLength);
    offset += messageLength;
    const publicKey = new Uint8Array(buffer, offset, publicKeyLength);
    offset += publicKeyLength;
    jobs.push({ scheme, signature, message, publicKey });
  }
  return jobs;
}

/** Worker → pool: one byte per job, 1 = valid. */
export interface BatchResult {
  id: number;
  verdicts: Uint8Array;
}

/** Pool → worker. */
export interface BatchRequest {
  id: number;
  jobs: ArrayBuffer;
}

/** The whole body of a pool's worker file: answers each batch with `verify`'s verdict per job.
 * `verify` must not throw (a throw kills the worker; the pool fails its batches and replaces it). */
export function serveVerifyBatches(verify: (job: VerifyJob) => boolean): void {
  if (parentPort === null) throw new Error("a verification worker must run in a worker thread");
  const port = parentPort;
  port.on("message", (request: BatchRequest) => {
    const jobs = unpackJobs(request.jobs);
    const verdicts = new Uint8Array(jobs.length);
    for (let i = 0; i < jobs.length; i++) verdicts[i] = verify(jobs[i]!) ? 1 : 0;
    const result: BatchResult = { id: request.id, verdicts };
    port.postMessage(result, [verdicts.buffer]);
  });
}
