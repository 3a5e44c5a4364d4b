// History independence: the root depends only on the final key/values, not on the order or batching of
// inserts, updates and deletes. Also the multistore (app hash) encoding against cosmos-sdk vectors.
import test from "ava";
import { bytesEqual, toHex } from "../../chain/crypto/hash.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import { SENTINEL_KEY, SENTINEL_VALUE } from "../../chain/store/sentinel.ts";
import { multistoreRoot } from "../../chain/store/simple-merkle.ts";
import { hashLeaf, sha256 } from "../../chain/store/smt-node.ts";
import { seededRandom, tempDb, text } from "./helpers.ts";
import { smtRootOf } from "./smt-reference.ts";

type Entry = [Uint8Array, Uint8Array];

function shuffle<T>(items: T[], random: ReturnType<typeof seededRandom>): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function rootAfter(t: Parameters<typeof tempDb>[0], blocks: [Uint8Array, Uint8Array | undefined][][]) {
  const { db } = await tempDb(t);
  const cms = await openCommitMultiStore({ db, storeNames: ["s"] });
  for (const [version, writes] of [[], ...blocks].entries()) {
    const cache = cms.cacheMultiStore();
    for (const [key, value] of writes) {
      if (value === undefined) cache.store("s").delete(key);
      else cache.store("s").set(key, value);
    }
    await cms.commit(await cms.prepareCommit(cache, version), []);
  }
  return (await cms.storeRoots(cms.lastCommit().version)).get("s")!;
}

test("same final state, different orders, batching and churn: same root", async (t) => {
  const random = seededRandom(11);
  const finals: Entry[] = Array.from({ length: 300 }, (_, i) => [text(`key-${i}`), random.bytes(1, 20)]);
  const extras: Entry[] = Array.from({ length: 150 }, (_, i) => [text(`extra-${i}`), random.bytes(1, 20)]);
  const expected = smtRootOf(finals);

  // One block, in order.
  t.deepEqual(toHex(await rootAfter(t, [finals])), toHex(expected));

  // Many blocks, shuffled, with extra keys inserted then deleted and values overwritten.
  const churn: [Uint8Array, Uint8Array | undefined][] = [];
  for (const [key] of finals) churn.push([key, text("stale value")]);
  for (const entry of extras) churn.push(entry);
  const shuffled = shuffle(churn, random);
  const blocks: [Uint8Array, Uint8Array | undefined][][] = [];
  for (let i = 0; i < shuffled.length; i += 37) blocks.push(shuffled.slice(i, i + 37));
  blocks.push(
    shuffle([...extras.map(([key]) => [key, undefined] as [Uint8Array, undefined]), ...finals], random),
  );
  t.deepEqual(toHex(await rootAfter(t, blocks)), toHex(expected));

  // Reverse order, one key per block for the first 20, then the rest deleted and re-added.
  const reversed = [...finals].reverse();
  const steps: [Uint8Array, Uint8Array | undefined][][] = reversed.slice(0, 20).map((entry) => [entry]);
  steps.push(reversed.slice(20));
  steps.push(reversed.slice(0, 100).map(([key]) => [key, undefined]));
  steps.push(shuffle(reversed.slice(0, 100), random));
  t.deepEqual(toHex(await rootAfter(t, steps)), toHex(expected));
});

test("deleting everything collapses back to the sentinel leaf", async (t) => {
  const entries: Entry[] = Array.from({ length: 50 }, (_, i) => [text(`k${i}`), text(`v${i}`)]);
  const root = await rootAfter(t, [entries, entries.map(([key]) => [key, undefined])]);
  t.true(bytesEqual(root, hashLeaf(sha256(SENTINEL_KEY), sha256(SENTINEL_VALUE))));
});

test("multistore root matches the cosmos-sdk store/internal/maps vectors", (t) => {
  const cases: [[string, string][], string][] = [
    [[], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    [[["key1", "value1"]], "a44d3cc7daba1a4600b00a2434b30f8b970652169810d6dfa9fb1793a2189324"],
    [[["key1", "value2"]], "0638e99b3445caec9d95c05e1a3fc1487b4ddec6a952ff337080360b0dcc078c"],
    [
      [
        ["key1", "value1"],
        ["key2", "value2"],
      ],
      "8fd19b19e7bb3f2b3ee0574027d8a5a4cec370464ea2db2fbfa5c7d35bb0cff3",
    ],
    [
      [
        ["key2", "value2"],
        ["key1", "value1"],
      ],
      "8fd19b19e7bb3f2b3ee0574027d8a5a4cec370464ea2db2fbfa5c7d35bb0cff3",
    ],
  ];
  for (const [pairs, want] of cases) {
    t.is(toHex(multistoreRoot(pairs.map(([name, value]) => ({ name, root: text(value) })))), want);
  }
});
