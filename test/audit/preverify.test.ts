// Replay's pre-verification scheduler (chain/audit/preverify.ts): blocks' txs go to the pool a chunk
// at a time, lowest height first, never more chunks than the pool's workers hold; when execution
// reaches a block, what was not handed in is left to the application and only the chunks in flight
// are waited for; a failing pool leaves everything to the application.
import test from "ava";
import type { Application, SignatureCheck, SignatureVerdict } from "../../chain/app/abci.ts";
import { PREVERIFY_CHUNK_TXS, ReplayPreverifier } from "../../chain/audit/preverify.ts";
import { MAX_BATCHES_PER_WORKER } from "../../chain/crypto/secp256k1-pool.ts";

/** One check per tx (its bytes as the "hash"); records the verdicts it is given. */
function recordingApp() {
  const verdicts: SignatureVerdict[] = [];
  const app = {
    signatureChecks: (tx: Uint8Array): SignatureCheck[] => [
      { txHash: tx, signerIndex: 0, signBytes: tx, publicKey: tx, signature: tx },
    ],
    addSignatureVerdicts: (given: readonly SignatureVerdict[]) => verdicts.push(...given),
  };
  // Only the two pre-verification hooks are called by the scheduler.
  return { app: app as unknown as Application, verdicts };
}

/** A one-worker pool whose answers the test releases; records each request's job count and the
 * height of its txs (their first byte). */
function heldPool(fail = false) {
  const requests: { jobs: number; height: number; release: () => void }[] = [];
  const pool = {
    size: 1,
    verify(jobs: readonly { signature: Uint8Array }[]): Promise<boolean[]> {
      return new Promise((resolve, reject) => {
        requests.push({
          jobs: jobs.length,
          height: jobs[0]!.signature[0]!,
          release: () => (fail ? reject(new Error("worker died")) : resolve(jobs.map(() => true))),
        });
      });
    },
  };
  return { pool, requests };
}

const txsOf = (height: number, count: number) =>
  Array.from({ length: count }, (_, i) => Uint8Array.of(height, i));
const settle = () => new Promise((resolve) => setImmediate(resolve));
const CHUNK = PREVERIFY_CHUNK_TXS;

test("chunks go to the pool lowest height first, bounded; take leaves the rest to the app", async (t) => {
  const { app, verdicts } = recordingApp();
  const { pool, requests } = heldPool();
  const preverifier = new ReplayPreverifier(app, pool);
  const shape = () => requests.map((r) => [r.height, r.jobs]);
  preverifier.add(1n, txsOf(1, CHUNK + 36));
  preverifier.add(3n, txsOf(3, 3 * CHUNK + 8));
  preverifier.add(2n, txsOf(2, CHUNK + 36)); // read out of order
  await settle();
  t.is(MAX_BATCHES_PER_WORKER, 2);
  t.deepEqual(
    shape(),
    [
      [1, CHUNK],
      [1, 36],
    ],
    "one worker holds MAX_BATCHES_PER_WORKER chunks",
  );

  requests[0]!.release();
  await settle();
  t.deepEqual(shape().slice(2), [[2, CHUNK]], "a freed slot takes the lowest height queued");
  t.is(verdicts.length, CHUNK);

  // Execution reaches block 1: its chunk still in flight is waited for.
  let tookOne = false;
  const one = preverifier.take(1n).then(() => (tookOne = true));
  await settle();
  t.false(tookOne);
  requests[1]!.release();
  await one;
  t.is(verdicts.filter((v) => v.txHash[0] === 1).length, CHUNK + 36);

  const two = preverifier.take(2n);
  requests[2]!.release();
  requests[3]!.release();
  await two;
  await settle();
  t.deepEqual(shape().slice(3), [
    [2, 36],
    [3, CHUNK],
    [3, CHUNK],
  ]);

  // Block 3: two chunks in flight; the other CHUNK + 8 txs never go to the pool.
  const three = preverifier.take(3n);
  requests[4]!.release();
  requests[5]!.release();
  await three;
  await settle();
  t.is(requests.length, 6);
  t.is(preverifier.preverifiedTxs, 2 * (CHUNK + 36) + 2 * CHUNK);
  t.is(verdicts.filter((v) => v.txHash[0] === 3).length, 2 * CHUNK);

  preverifier.add(3n, txsOf(3, 5)); // read after execution passed it: not verified ahead
  await settle();
  t.is(requests.length, 6);
});

test("a failing pool leaves verification to the application", async (t) => {
  const { app, verdicts } = recordingApp();
  const { pool, requests } = heldPool(true);
  const preverifier = new ReplayPreverifier(app, pool);
  preverifier.add(1n, txsOf(1, 10));
  await settle();
  const taken = preverifier.take(1n);
  for (const request of requests) request.release();
  await taken;
  t.deepEqual(verdicts, []);
});

test("while the pool has not answered anything (workers starting), execution does not wait", async (t) => {
  const { app, verdicts } = recordingApp();
  const { pool, requests } = heldPool();
  const preverifier = new ReplayPreverifier(app, pool);
  preverifier.add(1n, txsOf(1, 10));
  await settle();
  t.is(requests.length, 1);
  await preverifier.take(1n); // resolves although the chunk is still in the pool
  t.deepEqual(verdicts, []);
  requests[0]!.release();
  await settle();
  t.is(verdicts.length, 10, "late verdicts are still handed to the app");
});
