// Acceptance (consensus issue): 4 validator processes under a steady tx load. kill -9 one: the chain
// goes on; restart it: it catches up (block sync) and signs again; kill -9 two: no block is
// committed (2/4 of the power is not > 2/3) until one comes back, then the chain resumes. At the end
// every node has the same blocks and app hash, and every tx seen committed is on every node.
import test from "ava";
import { homePaths } from "../../chain/config/home.ts";
import { loadPrivValidatorKey } from "../../chain/config/node-keys.ts";
import {
  blockAt,
  DEVNET_START_TIMEOUT_MS,
  heightOf,
  startTestDevnet,
  TxLoad,
  txHeight,
  waitFor,
  waitForHeights,
} from "../helpers/devnet-process.ts";

test("4 validators: kill -9 one, restart, kill -9 two, restart: no fork, no lost tx", async (t) => {
  // Four (re)starts of node processes, each of which may take DEVNET_START_TIMEOUT_MS on a loaded machine.
  t.timeout(120_000 + 4 * DEVNET_START_TIMEOUT_MS);
  const net = await startTestDevnet({ validators: 4, senders: 4, timeoutCommit: "500ms" });
  t.teardown(() => net.close());
  const [v0, v1, v2, v3] = net.nodes as [
    (typeof net.nodes)[0],
    (typeof net.nodes)[0],
    (typeof net.nodes)[0],
    (typeof net.nodes)[0],
  ];
  await waitForHeights(net.nodes, 2n, DEVNET_START_TIMEOUT_MS);
  const load = new TxLoad(net, 150);
  load.start();
  // A failure before load.stop() below must not leave the senders looping: they would keep the ava
  // worker, and so the whole run, alive.
  t.teardown(() => load.stop());

  // One down: 3 of 4 (75% > 2/3) go on.
  await v3.kill9();
  const afterOneDown = await heightOf(v0);
  await waitForHeights([v0, v1, v2], afterOneDown + 4n, 60_000);

  // Back: it block-syncs and its precommits appear in later commits again.
  v3.start();
  const v3Address = Buffer.from(loadPrivValidatorKey(homePaths(v3.spec.home).privValidatorKeyFile).address)
    .toString("hex")
    .toUpperCase();
  await waitFor(
    "the restarted validator to catch up",
    async () => (await heightOf(v3)) >= (await heightOf(v0)) - 1n && (await heightOf(v0)) > afterOneDown + 4n,
    DEVNET_START_TIMEOUT_MS,
    [v3],
  );
  await waitFor(
    "the restarted validator to sign again",
    async () => {
      const height = await heightOf(v0);
      const block = await blockAt(v0, height);
      return block?.lastCommitSigners.includes(v3Address) === true;
    },
    60_000,
    net.nodes,
  );

  // Two down: 2 of 4 cannot commit. Heights read once both are dead bound what can still come: a
  // block two above the higher of them needs a polka of three prevotes from before the kill, each
  // cast after committing the block below it, and one of the three is v0 or v1, which would then
  // read higher. So at most one more block (the one whose precommits were in flight), however late
  // a loaded v0 or v1 catches up; a fixed 2 s for it to settle first was not always enough.
  await Promise.all([v2.kill9(), v3.kill9()]);
  const [down0, down1] = [await heightOf(v0), await heightOf(v1)];
  const stuck = down0 > down1 ? down0 : down1;
  await new Promise((r) => setTimeout(r, 8_000));
  const [h0, h1] = [await heightOf(v0), await heightOf(v1)];
  t.true(
    h0 <= stuck + 1n && h1 <= stuck + 1n,
    `no block while two validators are down (was ${down0}/${down1}, now ${h0}/${h1})`,
  );
  const haltHeight = h0 < h1 ? h0 : h1;
  const [b0, b1] = [await blockAt(v0, haltHeight), await blockAt(v1, haltHeight)];
  t.is(b0?.hash, b1?.hash, "same block at the halt height");

  // One back: 3 of 4 again, the chain resumes.
  v2.start();
  await waitForHeights([v0, v1, v2], haltHeight + 3n, DEVNET_START_TIMEOUT_MS);
  v3.start();
  await load.stop();
  const final = (await heightOf(v0)) + 2n;
  await waitForHeights(net.nodes, final, DEVNET_START_TIMEOUT_MS);

  // Same blocks and app hash everywhere.
  for (const height of [haltHeight, final]) {
    const blocks = await Promise.all(net.nodes.map((node) => blockAt(node, height)));
    for (const block of blocks) {
      t.is(block?.hash, blocks[0]?.hash, `block hash at ${height}`);
      t.is(block?.appHash, blocks[0]?.appHash, `app hash at ${height}`);
    }
  }
  // Every tx committed (found on v0) is on every node; the load got txs committed throughout.
  const committed: string[] = [];
  for (const hash of load.accepted) if ((await txHeight(v0, hash)) !== undefined) committed.push(hash);
  t.true(committed.length > 50, `committed ${committed.length} of ${load.accepted.size} accepted txs`);
  for (const node of [v1, v2, v3]) {
    let missing = 0;
    for (const hash of committed) if ((await txHeight(node, hash)) === undefined) missing++;
    t.is(missing, 0, `${node.spec.moniker} misses ${missing} committed txs`);
  }
});
