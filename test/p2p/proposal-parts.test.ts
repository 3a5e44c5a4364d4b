import { randomBytes } from "node:crypto";
import test from "ava";
import { encodeConsensusMessage } from "../../chain/consensus/tendermint/messages.ts";
import type { Proposal } from "../../chain/consensus/tendermint/types.ts";
import {
  blockPartsOf,
  decodeGossipFrame,
  encodePartFrame,
  encodeProposalFrame,
  MAX_ASSEMBLING_PROPOSALS,
  ProposalAssembly,
} from "../../chain/p2p/proposal-parts.ts";
import { DecodeError } from "../../chain/types/errors.ts";
import { BLOCK_PART_SIZE_BYTES, makePartSet } from "../../chain/types/part-set.ts";

function proposalOf(blockBytes: Uint8Array, height = 5n, round = 0): Proposal {
  return {
    height,
    round,
    polRound: -1,
    blockId: { hash: new Uint8Array(randomBytes(32)), partSetHeader: makePartSet(blockBytes).header },
    timestamp: { seconds: 1_700_000_000n, nanos: 0 },
    signature: new Uint8Array(64).fill(7),
  };
}

/** Sends the proposal and its parts through the wire codec, in the given part order. */
function wire(proposal: Proposal, blockBytes: Uint8Array) {
  const header = decodeGossipFrame(encodeProposalFrame(proposal));
  const parts = blockPartsOf(proposal, blockBytes).map((part) => decodeGossipFrame(encodePartFrame(part)));
  return { header, parts };
}

test("a block cut into parts is put back together from parts in any order; the last one completes it", (t) => {
  const blockBytes = new Uint8Array(randomBytes(3 * BLOCK_PART_SIZE_BYTES + 123));
  const proposal = proposalOf(blockBytes);
  const { header, parts } = wire(proposal, blockBytes);
  t.is(header.kind, "proposal");
  t.is(parts.length, 4);
  const assembly = new ProposalAssembly();
  t.true(assembly.addProposal(header.kind === "proposal" ? header.proposal : proposal));
  const order = [2, 0, 3, 1];
  const verdicts = order.map((i) => {
    const frame = parts[i]!;
    if (frame.kind !== "part") throw new Error("not a part");
    return assembly.addPart(frame.part);
  });
  t.deepEqual(
    verdicts.slice(0, 3).map((v) => v.verdict),
    ["accept", "accept", "accept"],
  );
  const last = verdicts[3]!;
  t.true(last.verdict === "accept" && last.complete !== undefined);
  if (last.verdict === "accept" && last.complete !== undefined) {
    t.deepEqual(last.complete.blockBytes, blockBytes);
    t.deepEqual(last.complete.proposal.blockId, proposal.blockId);
  }
  t.is(assembly.bytes, 0, "a delivered block's parts are released");
});

test("a tampered part is rejected; unknown, duplicate and delivered parts are ignored", (t) => {
  const blockBytes = new Uint8Array(randomBytes(2 * BLOCK_PART_SIZE_BYTES));
  const proposal = proposalOf(blockBytes);
  const parts = blockPartsOf(proposal, blockBytes);
  const assembly = new ProposalAssembly();
  t.is(assembly.addPart(parts[0]!).verdict, "ignore", "no proposal for it yet");
  assembly.addProposal(proposal);
  const tampered = { ...parts[0]!, part: { ...parts[0]!.part, bytes: new Uint8Array(parts[0]!.part.bytes) } };
  tampered.part.bytes[10]! ^= 1;
  t.is(assembly.addPart(tampered).verdict, "reject");
  t.is(assembly.addPart(parts[0]!).verdict, "accept");
  t.is(assembly.addPart(parts[0]!).verdict, "ignore", "a copy already held");
  const other = proposalOf(blockBytes, 5n, 1);
  t.is(
    assembly.addPart({ ...parts[1]!, round: 1, partSetHash: other.blockId.partSetHeader.hash }).verdict,
    "ignore",
  );
  const done = assembly.addPart(parts[1]!);
  t.true(done.verdict === "accept" && done.complete !== undefined);
  t.is(assembly.addPart(parts[1]!).verdict, "ignore", "delivered");
  // The proposal repeated (gossip repair): its block is assembled and handed out again.
  assembly.addProposal(proposal);
  assembly.addPart(parts[0]!);
  const again = assembly.addPart(parts[1]!);
  t.true(again.verdict === "accept" && again.complete !== undefined);
});

test("at most MAX_ASSEMBLING_PROPOSALS proposals are held: the oldest is dropped", (t) => {
  const assembly = new ProposalAssembly();
  const blocks = Array.from({ length: MAX_ASSEMBLING_PROPOSALS + 1 }, () => new Uint8Array(randomBytes(100)));
  const proposals = blocks.map((bytes, round) => proposalOf(bytes, 5n, round));
  for (const proposal of proposals) assembly.addProposal(proposal);
  t.is(assembly.addPart(blockPartsOf(proposals[0]!, blocks[0]!)[0]!).verdict, "ignore");
  const newest = assembly.addPart(blockPartsOf(proposals.at(-1)!, blocks.at(-1)!)[0]!);
  t.true(newest.verdict === "accept" && newest.complete !== undefined);
});

test("frames: engine messages decode as before; a part with another field is malformed", (t) => {
  const blockBytes = new Uint8Array(randomBytes(500));
  const proposal = proposalOf(blockBytes);
  const whole = decodeGossipFrame(encodeConsensusMessage({ kind: "proposal", proposal, blockBytes }));
  t.is(whole.kind, "message");
  const part = encodePartFrame(blockPartsOf(proposal, blockBytes)[0]!);
  const withExtra = new Uint8Array([...part, ...encodeProposalFrame(proposal)]);
  t.throws(() => decodeGossipFrame(withExtra), { instanceOf: DecodeError });
  t.throws(() => decodeGossipFrame(new Uint8Array([82, 5, 1, 2])), { instanceOf: DecodeError });
});
