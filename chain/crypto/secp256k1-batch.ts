// The wire format between the secp256k1 verification pool and its workers: a batch of
// (signature, message, public key) packed into one transferable ArrayBuffer. Packing avoids the
// structured clone of each small Uint8Array, which would copy its whole backing buffer (often an
// 8 KiB Buffer pool slab or the entire tx).

/** One signature to check: 64-byte r‖s over sha256(message) by a 33-byte compressed key. */
export interface Secp256k1Job {
  signature: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
}

/** Per job: u32 signature length, u32 message length, u32 public key length, then the bytes. */
const HEADER_BYTES = 12;

export function packJobs(jobs: readonly Secp256k1Job[]): ArrayBuffer {
  let total = 4;
  for (const job of jobs)
    total += HEADER_BYTES + job.signature.length + job.message.length + job.publicKey.length;
  const buffer = new ArrayBuffer(total);
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  view.setUint32(0, jobs.length);
  let offset = 4;
  for (const { signature, message, publicKey } of jobs) {
    view.setUint32(offset, signature.length);
    view.setUint32(offset + 4, message.length);
    view.setUint32(offset + 8, publicKey.length);
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

export function unpackJobs(buffer: ArrayBuffer): Secp256k1Job[] {
  const view = new DataView(buffer);
  const count = view.getUint32(0);
  const jobs: Secp256k1Job[] = [];
  let offset = 4;
  for (let i = 0; i < count; i++) {
    const signatureLength = view.getUint32(offset);
    const messageLength = view.getUint32(offset + 4);
    const publicKeyLength = view.getUint32(offset + 8);
    offset += HEADER_BYTES;
    const signature = new Uint8Array(buffer, offset, signatureLength);
    offset += signatureLength;
    const message = new Uint8Array(buffer, offset, messageLength);
    offset += messageLength;
    const publicKey = new Uint8Array(buffer, offset, publicKeyLength);
    offset += publicKeyLength;
    jobs.push({ signature, message, publicKey });
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
