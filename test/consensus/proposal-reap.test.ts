// What a proposal reaps from the mempool: it waits for the mempool lock (held by the previous block's
// execution and recheck), and takes the txs that were queued on the lock before it and those that
// queued while it waited (tx batches gossiped during the previous block), not only the former.
import test from "ava";
import type { CheckTxResponse } from "../../chain/app/abci.ts";
import { BlockExecutor } from "../../chain/consensus/block-executor.ts";
import { sha256 } from "../../chain/crypto/hash.ts";
import { Mempool } from "../../chain/mempool/mempool.ts";
import { Mutex } from "../../chain/util/mutex.ts";
import { openEvidenceChain, signers } from "./evidence-chain.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function admitted(sender: string): CheckTxResponse {
  return {
    code: 0,
    codespace: "",
    log: "",
    data: new Uint8Array(),
    info: "",
    gasWanted: 1n,
    gasUsed: 1n,
    events: [],
    sender,
    sequence: 0n,
  };
}

test("a proposal takes the txs queued on the mempool lock before it and while it waited for it", async (t) => {
  const chain = await openEvidenceChain();
  t.teardown(() => chain.close());
  const mempool = new Mempool({ maxTxs: 10, maxTotalBytes: 10_000, maxTxBytes: 1_000 });
  const lock = new Mutex();
  const executor = new BlockExecutor({
    app: chain.app,
    blockStore: chain.blockStore,
    mempool,
    mempoolLock: lock,
  });
  // checkTx under the lock, as TxIngress admits a tx.
  const admit = (text: string) =>
    lock.run(async () => {
      const tx = encoder.encode(text);
      mempool.add(tx, sha256(tx), admitted(text));
    });
  let endRecheck!: () => void;
  const recheck = lock.run(() => new Promise<void>((resolve) => (endRecheck = resolve)));
  const before = admit("queued before the proposal");
  const proposing = executor.createProposal(chain.state, {
    proposer: signers[0]!.address,
    lastCommit: chain.lastCommit,
    time: chain.nextTime(),
  });
  const during = admit("queued while the proposal waited");
  await new Promise((resolve) => setImmediate(resolve)); // the recheck holds the lock
  endRecheck();
  await Promise.all([recheck, before, during]);
  const { block } = await proposing;
  t.deepEqual(
    block.data.txs.map((tx) => decoder.decode(tx)),
    ["queued before the proposal", "queued while the proposal waited"],
  );
  // Queued after the proposal got the lock the second time: the next height's.
  t.is(mempool.size, 2);
});
