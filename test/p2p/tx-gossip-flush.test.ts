// When TxGossip publishes an RPC-admitted tx: after TX_BATCH_FLUSH_INTERVAL_MS normally; the first
// batch after hurry() (the engine's call just before the next height) after TX_BATCH_HURRY_FLUSH_MS
// when its first tx comes within TX_BATCH_HURRY_WINDOW_MS. Node's mock timers drive setTimeout and
// Date, so no test waits on the clock; the host is a recorder of what would be published (TxGossip
// uses only subscribe and publish).
import { mock } from "node:test";
import test from "ava";
import type { P2PHost } from "../../chain/p2p/host.ts";
import {
  MAX_TXS_PER_BATCH,
  TX_BATCH_FLUSH_INTERVAL_MS,
  TX_BATCH_HURRY_FLUSH_MS,
  TX_BATCH_HURRY_WINDOW_MS,
} from "../../chain/p2p/limits.ts";
import { createP2PMetrics } from "../../chain/p2p/metrics.ts";
import { decodeTxBatch, TxGossip } from "../../chain/p2p/tx-gossip.ts";

test.serial.beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "Date"], now: 1_000_000 }));
test.serial.afterEach.always(() => mock.timers.reset());

function gossipWithRecorder() {
  const published: Uint8Array[][] = [];
  const host = {
    subscribe: () => {},
    publish: (_topic: string, data: Uint8Array) => published.push(decodeTxBatch(data, 1024)),
  } as unknown as P2PHost;
  const metrics = createP2PMetrics();
  const gossip = new TxGossip({
    host,
    topic: "txs",
    maxTxBytes: 1024,
    metrics,
    submitBatch: async () => [],
  });
  return { gossip, published, metrics };
}

const tx = (n: number) => Uint8Array.of(1, 2, n);

test.serial("an admitted tx waits TX_BATCH_FLUSH_INTERVAL_MS for companions, then goes in one batch", (t) => {
  const { gossip, published } = gossipWithRecorder();
  gossip.gossip(tx(1));
  mock.timers.tick(TX_BATCH_HURRY_FLUSH_MS);
  gossip.gossip(tx(2));
  t.is(published.length, 0);
  mock.timers.tick(TX_BATCH_FLUSH_INTERVAL_MS - TX_BATCH_HURRY_FLUSH_MS - 1);
  t.is(published.length, 0);
  mock.timers.tick(1);
  t.deepEqual(published, [[tx(1), tx(2)]]);
});

test.serial(
  "hurry publishes what is pending, and the next batch TX_BATCH_HURRY_FLUSH_MS after its first tx, once",
  (t) => {
    const { gossip, published, metrics } = gossipWithRecorder();
    gossip.gossip(tx(1));
    gossip.hurry();
    t.deepEqual(published, [[tx(1)]]);
    // The burst of RPC txs that queued while the block executed, admitted over a few turns.
    gossip.gossip(tx(2));
    mock.timers.tick(TX_BATCH_HURRY_FLUSH_MS - 1);
    gossip.gossip(tx(3));
    t.is(published.length, 1);
    mock.timers.tick(1);
    t.deepEqual(published, [[tx(1)], [tx(2), tx(3)]]);
    // Still within the window: the rest of the height batches as before (one extra batch a height).
    gossip.gossip(tx(4));
    mock.timers.tick(TX_BATCH_FLUSH_INTERVAL_MS - 1);
    t.is(published.length, 2);
    mock.timers.tick(1);
    t.deepEqual(published[2], [tx(4)]);
    t.is(metrics.txBatchesPublished, 3);
    t.is(metrics.txsGossiped, 4);
  },
);

test.serial("past the hurry window the batch timer is TX_BATCH_FLUSH_INTERVAL_MS again", (t) => {
  const { gossip, published } = gossipWithRecorder();
  gossip.hurry();
  t.is(published.length, 0, "nothing pending: no empty batch");
  mock.timers.tick(TX_BATCH_HURRY_WINDOW_MS);
  gossip.gossip(tx(1));
  mock.timers.tick(TX_BATCH_FLUSH_INTERVAL_MS - 1);
  t.is(published.length, 0);
  mock.timers.tick(1);
  t.deepEqual(published, [[tx(1)]]);
});

test.serial("a full batch goes at once, hurried or not", (t) => {
  const { gossip, published } = gossipWithRecorder();
  for (let i = 0; i < MAX_TXS_PER_BATCH; i++) gossip.gossip(tx(i % 256));
  t.is(published.length, 1);
  t.is(published[0]!.length, MAX_TXS_PER_BATCH);
  gossip.stop();
});
