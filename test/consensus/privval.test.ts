import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { DoubleSignError, FileSignStateStorage, PrivValidator } from "../../chain/consensus/privval.ts";
import { Ed25519Signer, verifyEd25519 } from "../../chain/crypto/ed25519.ts";
import type { Vote } from "../../chain/types/block.ts";
import { emptyBlockId } from "../../chain/types/block-id.ts";
import { voteSignBytes } from "../../chain/types/vote.ts";

const signer = new Ed25519Signer(new Uint8Array(32).fill(9));
const blockA = {
  hash: new Uint8Array(32).fill(1),
  partSetHeader: { total: 1, hash: new Uint8Array(32).fill(2) },
};
const blockB = {
  hash: new Uint8Array(32).fill(3),
  partSetHeader: { total: 1, hash: new Uint8Array(32).fill(4) },
};

function vote(fields: Partial<Vote>): Vote {
  return {
    type: 1,
    height: 10n,
    round: 0,
    blockId: blockA,
    timestamp: { seconds: 1_700_000_000n, nanos: 0 },
    validatorAddress: signer.address,
    validatorIndex: 0,
    signature: new Uint8Array(),
    ...fields,
  };
}

async function openPrivVal(t: import("ava").ExecutionContext) {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-privval-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "priv_validator_state.json");
  return { path, pv: await PrivValidator.load(signer, new FileSignStateStorage(path)) };
}

test("a second, different vote for the same height/round/step is refused, also after a restart", async (t) => {
  const { path, pv } = await openPrivVal(t);
  const first = await pv.signVote("c", vote({}));
  t.true(verifyEd25519(first.signature, voteSignBytes("c", vote({})), signer.publicKey));
  await t.throwsAsync(pv.signVote("c", vote({ blockId: blockB })), { instanceOf: DoubleSignError });
  const restarted = await PrivValidator.load(signer, new FileSignStateStorage(path));
  await t.throwsAsync(restarted.signVote("c", vote({ blockId: emptyBlockId() })), {
    instanceOf: DoubleSignError,
  });
});

test("identical bytes are signed again; a vote differing only in time gets the saved signature and time", async (t) => {
  const { path, pv } = await openPrivVal(t);
  const first = await pv.signVote("c", vote({}));
  const restarted = await PrivValidator.load(signer, new FileSignStateStorage(path));
  t.deepEqual(await restarted.signVote("c", vote({})), first);
  const later = await restarted.signVote("c", vote({ timestamp: { seconds: 1_700_000_005n, nanos: 0 } }));
  t.deepEqual(later, first);
});

test("height, round and step regressions are refused; progress is allowed", async (t) => {
  const { pv } = await openPrivVal(t);
  await pv.signVote("c", vote({ type: 2, round: 1 }));
  await t.throwsAsync(pv.signVote("c", vote({ type: 1, round: 1 })), { instanceOf: DoubleSignError });
  await t.throwsAsync(pv.signVote("c", vote({ type: 2, round: 0 })), { instanceOf: DoubleSignError });
  await t.throwsAsync(pv.signVote("c", vote({ height: 9n, round: 5 })), { instanceOf: DoubleSignError });
  await t.notThrowsAsync(pv.signVote("c", vote({ round: 2 })));
  await t.notThrowsAsync(pv.signVote("c", vote({ height: 11n })));
});
