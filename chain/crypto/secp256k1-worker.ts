// A verification worker of Secp256k1VerifyPool: verifies each batch with node:crypto, its
// KeyObjects cached per public key in this thread (verifySecp256k1's cache), and answers with one
// verdict byte per job. Stateless apart from that cache; the pool owns ordering and errors.
import { parentPort } from "node:worker_threads";
import { verifySecp256k1 } from "./secp256k1.ts";
import { type BatchRequest, type BatchResult, unpackJobs } from "./secp256k1-batch.ts";

if (parentPort === null) throw new Error("secp256k1-worker.ts must run in a worker thread");
const port = parentPort;

port.on("message", (request: BatchRequest) => {
  const jobs = unpackJobs(request.jobs);
  const verdicts = new Uint8Array(jobs.length);
  for (let i = 0; i < jobs.length; i++) {
    const { signature, message, publicKey } = jobs[i]!;
    verdicts[i] = verifySecp256k1(signature, message, publicKey) ? 1 : 0;
  }
  const result: BatchResult = { id: request.id, verdicts };
  port.postMessage(result, [verdicts.buffer]);
});
