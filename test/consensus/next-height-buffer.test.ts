// NextHeightBuffer bounds: a count of messages and the block bytes among them; first come, kept.
import test from "ava";
import {
  MAX_FUTURE_BLOCK_BYTES,
  MAX_FUTURE_MESSAGES,
  NextHeightBuffer,
} from "../../chain/consensus/next-height-buffer.ts";
import type { ConsensusMessage } from "../../chain/consensus/tendermint/messages.ts";
import { SignedMsgType } from "../../chain/types/block.ts";

const blockId = { hash: new Uint8Array(32).fill(1), partSetHeader: { total: 1, hash: new Uint8Array(32) } };

function vote(round: number): ConsensusMessage {
  return {
    kind: "vote",
    vote: {
      type: SignedMsgType.prevote,
      height: 2n,
      round,
      blockId,
      timestamp: { seconds: 1n, nanos: 0 },
      validatorAddress: new Uint8Array(20),
      validatorIndex: 0,
      signature: new Uint8Array(64),
    },
  };
}

function proposal(round: number, blockBytes: number): ConsensusMessage {
  return {
    kind: "proposal",
    proposal: {
      height: 2n,
      round,
      polRound: -1,
      blockId,
      timestamp: { seconds: 1n, nanos: 0 },
      signature: new Uint8Array(64),
    },
    blockBytes: new Uint8Array(blockBytes),
  };
}

test("at most MAX_FUTURE_MESSAGES are kept, the first ones, and take() empties the buffer", (t) => {
  const buffer = new NextHeightBuffer();
  for (let i = 0; i < MAX_FUTURE_MESSAGES; i++) t.true(buffer.add(vote(i), "peer"));
  t.false(buffer.add(vote(MAX_FUTURE_MESSAGES), "peer"));
  const taken = buffer.take();
  t.is(taken.length, MAX_FUTURE_MESSAGES);
  t.deepEqual(
    taken.slice(0, 2).map((entry) => (entry.message.kind === "vote" ? entry.message.vote.round : -1)),
    [0, 1],
  );
  t.deepEqual(buffer.take(), []);
  t.true(buffer.add(vote(0), "peer"), "room again after take()");
});

test("blocks are kept up to MAX_FUTURE_BLOCK_BYTES; votes still fit when blocks do not", (t) => {
  const buffer = new NextHeightBuffer();
  const half = MAX_FUTURE_BLOCK_BYTES / 2;
  t.true(buffer.add(proposal(0, half), "peer"));
  t.true(buffer.add(proposal(1, half), "peer"));
  t.false(buffer.add(proposal(2, 1), "peer"), "one byte over");
  t.true(buffer.add(vote(0), "peer"));
  t.is(buffer.take().length, 3);
  t.true(buffer.add(proposal(2, half), "peer"), "byte count reset by take()");
});
