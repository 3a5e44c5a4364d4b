import { hash } from "node:crypto";
import test from "ava";
import {
  NODE_PREIMAGE_BYTES,
  SHORT_INPUT_MAX_BYTES,
  sha256Of,
  sha256Of65,
  sha256Short,
} from "../../chain/store/sha256-node-hash.ts";
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
  t.throws(() => sha256Short(new Uint8Array(SHORT_INPUT_MAX_BYTES + 1)), { instanceOf: RangeError });
});

test("keys and values of every length up to the short limit and beyond hash as with node:crypto", (t) => {
  const random = seededRandom(256);
  for (let length = 0; length <= SHORT_INPUT_MAX_BYTES + 70; length++)
    for (let i = 0; i < 4; i++) {
      const input = random.bytes(length, length);
      t.deepEqual(new Uint8Array(sha256Of(input)), new Uint8Array(nodeSha256(input)), `length ${length}`);
      if (length <= SHORT_INPUT_MAX_BYTES) t.deepEqual(sha256Short(input), new Uint8Array(nodeSha256(input)));
    }
  t.deepEqual(
    sha256Short(new Uint8Array(64).fill(0xff)),
    new Uint8Array(nodeSha256(new Uint8Array(64).fill(0xff))),
  );
});
