// DayProofs (bridge-mqtt/consumers/day-proofs.ts) on a real ReadingStore in a temp LevelDB, with the
// meter Commitment query answered by a function (the interface the bridge injects): each proof is
// keyed by its reading's own sequence and verifies that reading against the committed root; a copy
// that differs from the committed set proves nothing and is asked again; a day that is not final
// has no proofs; a failed query is a typed error; a proved day is served from the cache.
import test, { type ExecutionContext } from "ava";
import { CommitmentQueryFailed, DayProofs } from "../../bridge-mqtt/consumers/day-proofs.ts";
import { scanReadingFields } from "../../bridge-mqtt/consumers/reading-fields.ts";
import { readingsRoot, verifyReadingInclusion } from "../../light-client/reading-inclusion.ts";
import { type Commitment, commitmentToProto, pb as meterPb } from "../../modules/meter/codec.ts";
import { MeterCode } from "../../modules/meter/errors.ts";
import { QUERY_COMMITMENT } from "../../modules/meter/type-urls.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";
import { openReadingStore } from "./reading-store-helpers.ts";

const key = ed25519Key();
const DEVICE = "D035_0042";
const OTHER_DEVICE = "D035_0043";
const DAY_MS = 86_400_000n;
const DAY = BigInt(Date.now()) / DAY_MS - 2n;
/** Gaps on purpose: a proof keyed by position instead of sequence would be found under the wrong one. */
const SEQUENCES = [3n, 7n, 8n, 20n, 21n, 22n, 40n];

async function storeWithDay(t: ExecutionContext) {
  const { store } = await openReadingStore(t, "sensorchain-day-proofs-");
  const put = async (deviceId: string, sequence: bigint, timestampMs: bigint) => {
    const { reading, payload } = signedReading(key, { deviceId, sequence, timestampMs });
    t.true(await store.reserveWhenLoaded(deviceId, sequence));
    await store.append(reading, payload);
    return payload;
  };
  const bySequence = new Map<bigint, Uint8Array>();
  for (const sequence of SEQUENCES)
    bySequence.set(sequence, await put(DEVICE, sequence, DAY * DAY_MS + sequence * 1_000n));
  // The next day and another device: in the store, not in the day's tree.
  await put(DEVICE, 50n, (DAY + 1n) * DAY_MS + 5n);
  await put(OTHER_DEVICE, 5n, DAY * DAY_MS + 5n);
  return { store, bySequence };
}

function commitmentOf(root: Uint8Array, count: bigint): Commitment {
  return {
    body: {
      deviceId: DEVICE,
      day: DAY,
      root,
      count,
      aggregates: [],
      firstTimestampMs: DAY * DAY_MS,
      lastTimestampMs: DAY * DAY_MS + 40_000n,
    },
    hash: new Uint8Array(32).fill(7),
    submitter: "",
    attesters: [],
    attestedPower: 10n,
    totalPower: 10n,
    finalHeight: 12n,
  };
}

/** A Commitment query answering `answer` and counting the questions. */
function commitmentQuery(answer: () => { code: number; commitment?: Commitment }) {
  const asked: { deviceId: string; day: number }[] = [];
  const query = async (path: string, data: Uint8Array) => {
    if (path !== QUERY_COMMITMENT) throw new Error(`unexpected query ${path}`);
    const request = meterPb.QueryCommitmentRequest.decode(data);
    asked.push({ deviceId: request.deviceId, day: request.day });
    const { code, commitment } = answer();
    const value =
      commitment === undefined
        ? new Uint8Array(0)
        : meterPb.QueryCommitmentResponse.encode({ commitment: commitmentToProto(commitment) }).finish();
    return { code, value };
  };
  return { query, asked };
}

test("a final day: every stored reading has the proof of its own sequence against the committed root", async (t) => {
  const { store, bySequence } = await storeWithDay(t);
  const root = readingsRoot([...bySequence.values()]);
  const committed = commitmentOf(root, BigInt(SEQUENCES.length));
  const { query, asked } = commitmentQuery(() => ({ code: 0, commitment: committed }));
  const proofs = new DayProofs({ store, query });

  const proved = await proofs.provedDay(DEVICE, DAY);
  t.truthy(proved);
  t.deepEqual(asked, [{ deviceId: DEVICE, day: Number(DAY) }]);
  t.true(Buffer.from(proved!.commitment.body.root).equals(root));
  t.is(proved!.commitment.finalHeight, 12n);
  t.deepEqual([...proved!.proofs.keys()], SEQUENCES);
  const day = { root, count: BigInt(SEQUENCES.length) };
  for (const [position, sequence] of SEQUENCES.entries()) {
    const proof = proved!.proofs.get(sequence)!;
    t.is(proof.index, position);
    t.is(proof.total, SEQUENCES.length);
    t.true(verifyReadingInclusion(bySequence.get(sequence)!, proof, day), `sequence ${sequence}`);
    // A neighbour's bytes do not pass with this proof.
    const neighbour = bySequence.get(SEQUENCES[(position + 1) % SEQUENCES.length]!)!;
    t.false(verifyReadingInclusion(neighbour, proof, day));
  }

  // Final days do not change: the second request is answered without asking the chain.
  t.is(await proofs.provedDay(DEVICE, DAY), proved);
  t.is(asked.length, 1);
});

test("a copy that is not the committed set proves nothing and is asked about again", async (t) => {
  const { store, bySequence } = await storeWithDay(t);
  const readings = [...bySequence.values()];
  const cases = [
    // One reading more on chain than here (same root would need the same set: count differs).
    commitmentOf(readingsRoot(readings), BigInt(readings.length + 1)),
    // Same count, another set (this node lacks one reading the chain has and has one it does not).
    commitmentOf(readingsRoot([...readings.slice(1), readings[0]!]), BigInt(readings.length)),
  ];
  for (const committed of cases) {
    const { query, asked } = commitmentQuery(() => ({ code: 0, commitment: committed }));
    const proofs = new DayProofs({ store, query });
    const proved = await proofs.provedDay(DEVICE, DAY);
    t.true(
      Buffer.from(proved!.commitment.body.root).equals(committed.body.root),
      "the commitment is still given",
    );
    t.is(proved!.proofs.size, 0);
    await proofs.provedDay(DEVICE, DAY);
    t.is(asked.length, 2, "not cached: a node repairing its copy may prove the day later");
  }
});

test("a day that is not final has no proofs; a failed query is CommitmentQueryFailed", async (t) => {
  const { store } = await storeWithDay(t);
  const notFinal = commitmentQuery(() => ({ code: MeterCode.commitmentNotFound.code }));
  t.is(await new DayProofs({ store, query: notFinal.query }).provedDay(DEVICE, DAY), undefined);

  const failing = commitmentQuery(() => ({ code: 1 }));
  const error = await t.throwsAsync(new DayProofs({ store, query: failing.query }).provedDay(DEVICE, DAY), {
    instanceOf: CommitmentQueryFailed,
  });
  t.is(error?.code, "commitment_query_failed");

  const empty = commitmentQuery(() => ({ code: 0 }));
  await t.throwsAsync(new DayProofs({ store, query: empty.query }).provedDay(DEVICE, DAY), {
    instanceOf: CommitmentQueryFailed,
  });
});

test("scanReadingFields reads sequence and timestamp as a full decode does", (t) => {
  const cases = [
    { sequence: 1n, timestampMs: 1_700_000_000_000n },
    { sequence: 2n ** 64n - 1n, timestampMs: 2n ** 63n + 5n },
    { sequence: 0n, timestampMs: 0n },
  ];
  for (const fields of cases) {
    const { payload } = signedReading(key, { deviceId: DEVICE, ...fields, value: "-3.25" });
    const decoded = meterPb.Reading.decode(payload);
    t.deepEqual(scanReadingFields(payload), fields);
    t.is(decoded.sequence.toString(), fields.sequence.toString());
  }
});
