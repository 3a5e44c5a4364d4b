import { hash } from "node:crypto";
import test from "ava";
import { NODE_PREIMAGE_BYTES, sha256Of65 } from "../../chain/store/sha256-node-hash.ts";
import { hashInner, hashLeaf } from "../../chain/store/smt-node.ts";
import { seededRandom } from "./helpers.ts";

const nodeSha256 = (bytes: Uint8Array): Uint8Array => hash("sha256", bytes, "buffer");

test("the SMT's 65-byte SHA-256 equals node:crypto's on random and edge-case inputs", (t) => {
  const random = seededRandom(65);
  const inputs: Uint8Array[] = [
    new Uint8Array(NODE_PREIMAGE_BYTES),
    new Uint8Array(NODE_PREIMAGE_BYTES).fill(0xff),
  ];
  for (let i = 0; i < 2000; i++) inputs.push(random.bytes(NODE_PREIMAGE_BYTES, NODE_PREIMAGE_BYTES));
  for (const input of inputs) t.deepEqual(sha256Of65(input), new Uint8Array(nodeSha256(input)));
});

test("leaf and inner hashes are sha256(00 ‖ keyHash ‖ valueHash) and sha256(01 ‖ left ‖ right)", (t) => {
  const random = seededRandom(7);
  for (let i = 0; i < 100; i++) {
    const a = random.bytes(32, 32);
    const b = random.bytes(32, 32);
    t.deepEqual(hashLeaf(a, b), new Uint8Array(nodeSha256(Uint8Array.of(0, ...a, ...b))));
    t.deepEqual(hashInner(a, b), new Uint8Array(nodeSha256(Uint8Array.of(1, ...a, ...b))));
  }
});

test("other lengths are refused", (t) => {
  t.throws(() => sha256Of65(new Uint8Array(64)), { instanceOf: RangeError });
});
