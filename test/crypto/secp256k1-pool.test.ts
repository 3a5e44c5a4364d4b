// The verification pool gives exactly verifySecp256k1's (and @noble's) verdicts, including for
// high-S twins, wrong messages, malformed keys and signatures whose r or s has leading zero bytes
// (the DER conversion must stay minimal), refuses past its queue bound and shuts down cleanly.

import { secp256k1 } from "@noble/curves/secp256k1.js";
import test from "ava";
import {
  compactSignatureToDer,
  secp256k1PublicKey,
  signSecp256k1,
  verifySecp256k1,
  verifySecp256k1Noble,
} from "../../chain/crypto/secp256k1.ts";
import {
  MAX_QUEUED_JOBS,
  type Secp256k1Job,
  Secp256k1VerifyPool,
  VerifyPoolError,
} from "../../chain/crypto/secp256k1-pool.ts";

const ORDER = secp256k1.Point.Fn.ORDER;

function toBytes32(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, "0"), "hex"));
}

function highS(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString("hex")}`);
  const twin = new Uint8Array(64);
  twin.set(signature.subarray(0, 32));
  twin.set(toBytes32(ORDER - s), 32);
  return twin;
}

/** Seeded jobs: valid, wrong message, high-S twin, truncated signature, bad key prefix. */
function jobs(count: number): { job: Secp256k1Job; kind: string }[] {
  const out: { job: Secp256k1Job; kind: string }[] = [];
  for (let i = 0; i < count; i++) {
    const privateKey = new Uint8Array(32).fill(1);
    new DataView(privateKey.buffer).setUint32(28, i + 7);
    const publicKey = secp256k1PublicKey(privateKey);
    const message = new Uint8Array(120 + (i % 50)).fill(i & 0xff);
    const signature = signSecp256k1(message, privateKey);
    out.push({ job: { signature, message, publicKey }, kind: "valid" });
    out.push({ job: { signature, message: message.subarray(1), publicKey }, kind: "wrong message" });
    out.push({ job: { signature: highS(signature), message, publicKey }, kind: "high-S" });
    if (i % 8 === 0) {
      out.push({
        job: { signature: signature.subarray(0, 63), message, publicKey },
        kind: "short signature",
      });
      const badKey = Uint8Array.from(publicKey);
      badKey[0] = 0x04;
      out.push({ job: { signature, message, publicKey: badKey }, kind: "bad key prefix" });
    }
  }
  return out;
}

test("the pool's verdicts equal verifySecp256k1's and @noble's: good, bad and high-S signatures", async (t) => {
  const pool = new Secp256k1VerifyPool({ size: 2 });
  t.teardown(() => pool.close());
  const cases = jobs(120);
  // One call per job, all in the same tick, as concurrent RPC requests arrive: they share batches.
  const verdicts = await Promise.all(cases.map(({ job }) => pool.verify([job])));
  for (const [index, { job, kind }] of cases.entries()) {
    const expected = verifySecp256k1Noble(job.signature, job.message, job.publicKey);
    t.is(verdicts[index]![0], expected, `${kind} #${index}`);
    t.is(
      verifySecp256k1(job.signature, job.message, job.publicKey),
      expected,
      `main thread, ${kind} #${index}`,
    );
    t.is(expected, kind === "valid", kind);
  }
  t.is(pool.verified, cases.length);
});

test("one call with many jobs keeps their order", async (t) => {
  const pool = new Secp256k1VerifyPool({ size: 2 });
  t.teardown(() => pool.close());
  const cases = jobs(60);
  const verdicts = await pool.verify(cases.map(({ job }) => job));
  t.deepEqual(
    verdicts,
    cases.map(({ kind }) => kind === "valid"),
  );
  t.deepEqual(await pool.verify([]), []);
});

test("DER conversion is minimal for scalars with leading zero bytes or the top bit set", (t) => {
  const r = new Uint8Array(32);
  r[2] = 0x80; // two leading zero bytes, then a byte needing a sign pad
  const s = new Uint8Array(32);
  s[31] = 1; // 31 leading zeros
  const signature = new Uint8Array(64);
  signature.set(r);
  signature.set(s, 32);
  const der = compactSignatureToDer(signature);
  const rBody = [0x00, ...r.subarray(2)];
  t.deepEqual([...der], [0x30, 2 + rBody.length + 3, 0x02, rBody.length, ...rBody, 0x02, 0x01, 0x01]);
  // Valid signatures with leading zeros in r or s are found among enough seeds; each must verify.
  let found = 0;
  for (let i = 0; i < 3000 && found < 3; i++) {
    const privateKey = new Uint8Array(32).fill(9);
    new DataView(privateKey.buffer).setUint32(28, i);
    const message = new Uint8Array(32).fill(i & 0xff);
    message[0] = i >> 8;
    const signature = signSecp256k1(message, privateKey);
    if (signature[0] !== 0 && signature[32] !== 0) continue;
    found++;
    t.true(verifySecp256k1(signature, message, secp256k1PublicKey(privateKey)));
  }
  t.true(found > 0);
});

test("the queue is bounded: past MAX_QUEUED_JOBS verify refuses with pool_busy", async (t) => {
  const pool = new Secp256k1VerifyPool({ size: 1 });
  t.teardown(() => pool.close());
  const job = jobs(1)[0]!.job;
  const error = await t.throwsAsync(pool.verify(new Array(MAX_QUEUED_JOBS + 1).fill(job)), {
    instanceOf: VerifyPoolError,
  });
  t.is(error?.code, "pool_busy");
  t.deepEqual(await pool.verify([job]), [true], "still serves after a refusal");
});

test("threads start with the first job; close() terminates every worker and fails pending and later calls with pool_closed", async (t) => {
  const pool = new Secp256k1VerifyPool({ size: 2 });
  t.is(pool.liveWorkers, 0, "no thread before the first job");
  const first = jobs(2);
  t.deepEqual(
    await pool.verify(first.map(({ job }) => job)),
    first.map(({ kind }) => kind === "valid"),
  );
  t.is(pool.liveWorkers, 2);
  const pending = pool.verify(jobs(40).map(({ job }) => job));
  await pool.close();
  t.is(pool.liveWorkers, 0);
  const error = await t.throwsAsync(pending, { instanceOf: VerifyPoolError });
  t.is(error?.code, "pool_closed");
  const later = await t.throwsAsync(pool.verify(jobs(1).map(({ job }) => job)), {
    instanceOf: VerifyPoolError,
  });
  t.is(later?.code, "pool_closed");
  await pool.close(); // idempotent
});
