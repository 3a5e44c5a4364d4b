// Our ICS-23 verifier against the cosmos/ics23 testdata (smt from celestiaorg/smt, tendermint simple Merkle).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { CommitmentProof } from "cosmjs-types/cosmos/ics23/v1/proofs";
import {
  Ics23Error,
  type Ics23Spec,
  smtSpec,
  tendermintSpec,
  verifyMembership,
  verifyNonMembership,
} from "../../light-client/ics23/index.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// CI clones only this repository: the in-repo copy is authoritative; the shared reference is checked when present.
const inRepo = join(repoRoot, "test/vectors");
const shared = resolve(repoRoot, "../shared/reference/vectors");

interface Vector {
  key: string;
  value: string;
  root: string;
  proof: string;
}

const hex = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, "hex"));

function load(base: string, folder: string): [string, Vector][] {
  const dir = join(base, folder);
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => [name, JSON.parse(readFileSync(join(dir, name), "utf8")) as Vector]);
}

function check(spec: Ics23Spec, vector: Vector, overrides: Partial<Vector> = {}): void {
  const v = { ...vector, ...overrides };
  if (vector.value.length > 0) verifyMembership(spec, hex(v.root), hex(v.proof), hex(v.key), hex(v.value));
  else verifyNonMembership(spec, hex(v.root), hex(v.proof), hex(v.key));
}

function flipLastNibble(value: string): string {
  const last = value.at(-1)!;
  return value.slice(0, -1) + (last === "0" ? "1" : "0");
}

/** Another key the proof must not cover: for non-existence, a neighbour's key (present, so provably not absent);
 * any other key in the same gap is legitimately absent too. */
function alteredKey(vector: Vector): string {
  if (vector.value.length > 0) return flipLastNibble(vector.key);
  const proof = CommitmentProof.decode(hex(vector.proof)).nonexist!;
  const neighbour = proof.left ?? proof.right!;
  return Buffer.from(neighbour.key).toString("hex");
}

const suites: [string, Ics23Spec][] = [
  ["ics23-smt", smtSpec],
  ["ics23-tendermint", tendermintSpec],
];

test("the in-repo vectors equal the shared reference copy", (t) => {
  if (!existsSync(shared)) return t.pass("shared reference not present (clean clone)");
  for (const [folder] of suites) t.deepEqual(load(inRepo, folder), load(shared, folder), folder);
});

for (const [folder, spec] of suites) {
  const vectors = load(inRepo, folder);

  test(`${folder}: all six vectors verify`, (t) => {
    t.is(vectors.length, 6);
    for (const [name, vector] of vectors) t.notThrows(() => check(spec, vector), name);
  });

  test(`${folder}: altered root, key or value is rejected`, (t) => {
    for (const [name, vector] of vectors) {
      const rootError = t.throws(
        () => check(spec, vector, { root: flipLastNibble(vector.root) }),
        undefined,
        name,
      );
      t.true(rootError instanceof Ics23Error, name);
      t.throws(() => check(spec, vector, { key: alteredKey(vector) }), { instanceOf: Ics23Error }, name);
      if (vector.value.length > 0) {
        const error = t.throws(
          () => check(spec, vector, { value: flipLastNibble(vector.value) }),
          undefined,
          name,
        );
        t.is((error as Ics23Error).code, "value_mismatch", name);
      }
    }
  });

  test(`${folder}: proofs do not verify under the other spec`, (t) => {
    const other = spec === smtSpec ? tendermintSpec : smtSpec;
    for (const [name, vector] of vectors)
      t.throws(() => check(other, vector), { instanceOf: Ics23Error }, name);
  });
}

test("an existence proof does not prove non-membership of its own key", (t) => {
  const [, vector] = load(inRepo, "ics23-smt").find(([name]) => name === "exist_middle.json")!;
  t.throws(() => verifyNonMembership(smtSpec, hex(vector.root), hex(vector.proof), hex(vector.key)), {
    instanceOf: Ics23Error,
  });
});
