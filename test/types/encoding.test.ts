import test from "ava";
import { medianTime } from "../../chain/types/bft-time.ts";
import { type Block, BlockIDFlag } from "../../chain/types/block.ts";
import { decodeBlock, decodeCommit, encodeBlock, encodeCommit } from "../../chain/types/block-codec.ts";
import { emptyBlockId } from "../../chain/types/block-id.ts";
import { bytesEqual, toHex } from "../../chain/types/bytes.ts";
import { DecodeError, PartSetError } from "../../chain/types/errors.ts";
import {
  commitHash,
  consensusHash,
  dataHash,
  evidenceHash,
  lastResultsHash,
} from "../../chain/types/hashes.ts";
import { headerHash } from "../../chain/types/header.ts";
import {
  emptyHash,
  hashFromByteSlices,
  proofsFromByteSlices,
  verifyMerkleProof,
} from "../../chain/types/merkle.ts";
import {
  BLOCK_PART_SIZE_BYTES,
  decodePart,
  encodePart,
  joinParts,
  makeBlockId,
  verifyPart,
} from "../../chain/types/part-set.ts";
import { formatTimestamp, GO_ZERO_TIME, parseTimestamp } from "../../chain/types/time.ts";
import { ValidatorSet } from "../../chain/types/validator-set.ts";
import { realChain } from "./fixtures.ts";

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

test("merkle: empty tree, proofs for every size up to 33, tampering detected", (t) => {
  t.is(toHex(hashFromByteSlices([])), EMPTY_SHA256);
  t.is(toHex(emptyHash()), EMPTY_SHA256);
  for (let n = 1; n <= 33; n++) {
    const items = Array.from({ length: n }, (_, i) => Uint8Array.of(i, n));
    const { root, proofs } = proofsFromByteSlices(items);
    t.true(bytesEqual(root, hashFromByteSlices(items)));
    proofs.forEach((proof, i) => {
      t.true(verifyMerkleProof(proof, root, items[i]!));
      t.false(verifyMerkleProof(proof, root, Uint8Array.of(99)));
      if (proof.aunts.length > 0) {
        const bad = {
          ...proof,
          aunts: proof.aunts.map((a, j) => (j === 0 ? Uint8Array.of(...a.subarray(1), 0) : a)),
        };
        t.false(verifyMerkleProof(bad, root, items[i]!));
      }
      t.false(verifyMerkleProof({ ...proof, index: (i + 1) % n === i ? n : (i + 1) % n }, root, items[i]!));
    });
  }
});

test("real chain: empty data, results and evidence hashes are sha256('')", (t) => {
  const { header } = realChain();
  t.is(toHex(dataHash([])), toHex(header.dataHash));
  t.is(toHex(lastResultsHash([])), toHex(header.lastResultsHash));
  t.is(toHex(evidenceHash([])), toHex(header.evidenceHash));
});

test("consensus hash of CometBFT's default block params", (t) => {
  // Default BlockParams (max_bytes 22020096, max_gas -1): the consensus_hash CometBFT chains show.
  const hash = consensusHash({ block: { maxBytes: 22020096n, maxGas: -1n } });
  t.is(toHex(hash).toUpperCase(), "048091BC7DDC283F77BFBF91D73C44DA58C3DF8A9CBC867405D8B7F3DAADA22F");
});

test("timestamps: CometBFT formatting, zero time, offsets, bad input", (t) => {
  for (const text of [
    "2025-08-18T13:39:10.618857Z",
    "2025-08-18T13:39:11.92732Z",
    "2019-10-13T16:14:44Z",
    "0001-01-01T00:00:00Z",
    "2024-02-29T23:59:59.000000001Z",
  ])
    t.is(formatTimestamp(parseTimestamp(text)), text);
  t.deepEqual(parseTimestamp("0001-01-01T00:00:00Z"), GO_ZERO_TIME);
  t.is(formatTimestamp(parseTimestamp("2025-01-01T02:00:00.500+02:00")), "2025-01-01T00:00:00.5Z");
  t.is(parseTimestamp("1970-01-01T00:00:01Z").seconds, 1n);
  for (const bad of ["2025-02-30T00:00:00Z", "2025-01-01 00:00:00Z", "2025-01-01T00:00:00.1234567890Z", "x"])
    t.throws(() => parseTimestamp(bad), { any: true });
});

test("BFT time is the power-weighted median", (t) => {
  const { commit, validators } = realChain();
  const set = new ValidatorSet(validators);
  // Equal powers: median = 4/2 = 2 is covered at the second earliest time (cmttime.WeightedMedian).
  const times = commit.signatures.map((s) => formatTimestamp(s.timestamp)).sort();
  t.is(formatTimestamp(medianTime(commit, set)), times[1]!);
  const heavy = new ValidatorSet(validators.map((v, i) => ({ ...v, votingPower: i === 0 ? 10n : 1n })));
  const first = commit.signatures.find((s) => bytesEqual(s.validatorAddress, heavy.validators[0]!.address))!;
  t.deepEqual(medianTime(commit, heavy), first.timestamp);
});

function sampleBlock(txBytes: number): Block {
  const { header, commit } = realChain();
  const txs = [new Uint8Array(txBytes).fill(7), Uint8Array.of(1, 2, 3)];
  return {
    header: {
      ...header,
      height: 13n,
      dataHash: dataHash(txs),
      lastCommitHash: commitHash(commit),
      lastBlockId: commit.blockId,
    },
    data: { txs },
    evidence: [Uint8Array.of(0x0a, 0x02, 0x08, 0x01)],
    lastCommit: commit,
  };
}

test("block and commit proto round trips; height-1 empty last commit", (t) => {
  const block = sampleBlock(100);
  const bytes = encodeBlock(block);
  t.deepEqual(decodeBlock(bytes), block);
  t.true(bytesEqual(encodeBlock(decodeBlock(bytes)), bytes));
  t.deepEqual(decodeCommit(encodeCommit(block.lastCommit)), block.lastCommit);
  const empty = { height: 0n, round: 0, blockId: emptyBlockId(), signatures: [] };
  // gogoproto writes the non-nullable block_id even when empty.
  t.is(toHex(encodeCommit(empty)), "1a021200");
  t.deepEqual(decodeCommit(encodeCommit(empty)), empty);
  t.is(toHex(evidenceHash(block.evidence)), toHex(hashFromByteSlices([Uint8Array.of(0x08, 0x01)])));
  t.throws(() => decodeBlock(Uint8Array.of(0x0a, 0x05, 1)), { instanceOf: DecodeError });
  const absent = structuredClone(block.lastCommit);
  absent.signatures[0] = {
    blockIdFlag: BlockIDFlag.absent,
    validatorAddress: new Uint8Array(0),
    timestamp: GO_ZERO_TIME,
    signature: new Uint8Array(0),
  };
  t.deepEqual(decodeCommit(encodeCommit(absent)), absent);
});

test("part set: a block over 64 KiB splits into verifiable parts", (t) => {
  const block = sampleBlock(150_000);
  const { bytes, partSet, blockId } = makeBlockId(block);
  t.is(partSet.header.total, Math.ceil(bytes.length / BLOCK_PART_SIZE_BYTES));
  t.is(partSet.header.total, 3);
  t.true(bytesEqual(blockId.hash, headerHash(block.header)));
  for (const part of partSet.parts) {
    const decoded = decodePart(encodePart(part));
    verifyPart(partSet.header, decoded);
  }
  t.true(bytesEqual(joinParts(partSet.parts), bytes));
  const forged = { ...partSet.parts[1]!, bytes: partSet.parts[1]!.bytes.slice() };
  forged.bytes[0]! ^= 1;
  t.throws(() => verifyPart(partSet.header, forged), { instanceOf: PartSetError });
  t.throws(() => verifyPart(partSet.header, { ...partSet.parts[0]!, index: 1 }), {
    instanceOf: PartSetError,
  });
});
