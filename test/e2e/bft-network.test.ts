// Acceptance (consensus issue, network): a full node joins a running 4-validator chain through block
// sync, follows it and serves cosmjs; a tx sent to the full node reaches the validators by mempool
// gossip. A harness libp2p peer publishing junk on every topic (malformed bytes, oversized batches,
// votes signed by a stranger or with a forged signature) is dropped and counted; the chain goes on.
import { randomBytes } from "node:crypto";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import test from "ava";
import { homePaths } from "../../chain/config/home.ts";
import { loadPrivValidatorKey } from "../../chain/config/node-keys.ts";
import { encodeConsensusMessage } from "../../chain/consensus/tendermint/messages.ts";
import { Ed25519Signer } from "../../chain/crypto/ed25519.ts";
import { P2PHost } from "../../chain/p2p/host.ts";
import { MAX_TXS_PER_BATCH } from "../../chain/p2p/limits.ts";
import { createP2PMetrics } from "../../chain/p2p/metrics.ts";
import { parsePeerAddress } from "../../chain/p2p/peers.ts";
import { chainTopics } from "../../chain/p2p/topics.ts";
import { encodeTxBatch } from "../../chain/p2p/tx-gossip.ts";
import { SignedMsgType, type Vote } from "../../chain/types/block.ts";
import { voteSignBytes } from "../../chain/types/vote.ts";
import {
  DENOM,
  DEVNET_START_TIMEOUT_MS,
  heightOf,
  startTestDevnet,
  statusOf,
  type TestDevnet,
  waitFor,
  waitForHeights,
} from "../helpers/devnet-process.ts";
import { freePort, rpc } from "../helpers/node-process.ts";

let net: TestDevnet;

test.before(async () => {
  net = await startTestDevnet({ validators: 4, fullNodes: 1, senders: 1, timeoutCommit: "500ms" });
  await waitForHeights(net.nodes.slice(0, 4), 2n, DEVNET_START_TIMEOUT_MS);
});

test.after.always(async () => {
  await net?.close();
});

test.serial("a full node joins later by block sync, follows consensus and serves cosmjs", async (t) => {
  t.timeout(150_000 + DEVNET_START_TIMEOUT_MS);
  const validators = net.nodes.slice(0, 4);
  const full = net.nodes[4]!;
  // Some history first, with a transfer the full node must replay.
  const { wallet, address } = net.senders[0]!;
  const recipient = (
    await (await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" })).getAccounts()
  )[0]!.address;
  const signer = await SigningStargateClient.connectWithSigner(validators[0]!.rpcUrl, wallet);
  const fee = { amount: [{ denom: DENOM, amount: "5000" }], gas: "200000" };
  const sent = await signer.sendTokens(address, recipient, [{ denom: DENOM, amount: "777" }], fee);
  t.is(sent.code, 0);
  signer.disconnect();
  await waitForHeights(validators, BigInt(sent.height) + 8n, 60_000);

  full.start();
  await waitFor(
    "the full node to catch up",
    async () => {
      const status = await statusOf(full);
      return (
        status !== undefined && !status.catchingUp && status.height >= (await heightOf(validators[0]!)) - 1n
      );
    },
    DEVNET_START_TIMEOUT_MS,
    [full],
  );
  // It follows consensus (heights keep coming) and is not a validator.
  const followed = await heightOf(full);
  await waitForHeights([full], followed + 3n, 30_000);
  const client = await StargateClient.connect(full.rpcUrl);
  t.is((await client.getBalance(recipient, DENOM)).amount, "777");
  client.disconnect();
  const status = await rpc(full.rpcUrl, "status");
  t.is(status.result.validator_info.voting_power, "0");
  const netInfo = await rpc(full.rpcUrl, "net_info");
  t.true(Number(netInfo.result.n_peers) >= 1);
  t.true(
    netInfo.result.p2p_metrics.blocksyncBlocksApplied >= Number(sent.height),
    "history came by block sync",
  );

  // A tx sent to the full node is gossiped to the validators and committed.
  const fullSigner = await SigningStargateClient.connectWithSigner(full.rpcUrl, wallet);
  const second = await fullSigner.sendTokens(address, recipient, [{ denom: DENOM, amount: "3" }], fee);
  fullSigner.disconnect();
  t.is(second.code, 0);
  const validatorClient = await StargateClient.connect(validators[1]!.rpcUrl);
  await waitFor(
    "the gossiped tx on a validator",
    async () => (await validatorClient.getBalance(recipient, DENOM)).amount === "780",
    30_000,
  );
  validatorClient.disconnect();
  t.pass();
});

test.serial(
  "junk on every topic from a harness peer is rejected and counted; the chain goes on",
  async (t) => {
    t.timeout(90_000);
    const target = net.nodes[0]!;
    const topics = chainTopics(net.devnet.chainId);
    const harness = await P2PHost.create({
      nodeKeySeed: randomBytes(32),
      laddr: `tcp://127.0.0.1:${await freePort()}`,
      persistentPeers: [parsePeerAddress(`${target.spec.peerId}@/ip4/127.0.0.1/tcp/${target.spec.p2pPort}`)],
      validatorPeerIds: new Set(),
      metrics: createP2PMetrics(),
      logger: { info() {}, warn() {} },
    });
    for (const topic of [topics.consensus, topics.txs, topics.evidence])
      harness.subscribe(topic, () => "ignore");
    await harness.start();
    t.teardown(() => harness.stop());
    await waitFor(
      "the harness to see the node's subscriptions",
      async () =>
        harness.subscribers(topics.consensus).includes(target.spec.peerId) &&
        harness.subscribers(topics.txs).includes(target.spec.peerId),
      30_000,
    );

    const before = (await rpc(target.rpcUrl, "net_info")).result.p2p_metrics;
    const height = (await heightOf(target)) + 1n;
    const validatorKey = loadPrivValidatorKey(homePaths(net.nodes[1]!.spec.home).privValidatorKeyFile);
    const stranger = new Ed25519Signer(randomBytes(32));
    const vote = (address: Uint8Array, sign: (bytes: Uint8Array) => Uint8Array): Uint8Array => {
      const unsigned: Vote = {
        type: SignedMsgType.prevote,
        height,
        round: 0,
        blockId: { hash: randomBytes(32), partSetHeader: { total: 1, hash: randomBytes(32) } },
        timestamp: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
        validatorAddress: address,
        validatorIndex: 0,
        signature: new Uint8Array(),
      };
      const payload = encodeConsensusMessage({
        kind: "vote",
        vote: { ...unsigned, signature: sign(voteSignBytes(net.devnet.chainId, unsigned)) },
      });
      return new Uint8Array([...randomBytes(8), ...payload]);
    };
    const junk: [string, Uint8Array][] = [
      [topics.consensus, randomBytes(300)], // malformed
      [topics.consensus, vote(stranger.address, (bytes) => stranger.sign(bytes))], // not a validator
      [topics.consensus, vote(validatorKey.address, () => randomBytes(64))], // forged signature
      [topics.txs, randomBytes(500)], // malformed batch
      [topics.txs, encodeTxBatch(Array.from({ length: MAX_TXS_PER_BATCH + 1 }, () => randomBytes(20)))], // too many txs
      [topics.txs, encodeTxBatch([randomBytes(200)])], // an undecodable tx
      [topics.evidence, randomBytes(100)], // malformed evidence
    ];
    for (const [topic, data] of junk) harness.publish(topic, data);

    await waitFor(
      "the rejections to be counted",
      async () => {
        const now = (await rpc(target.rpcUrl, "net_info")).result.p2p_metrics;
        return (
          now.consensusRejected >= before.consensusRejected + 3 &&
          now.txBatchesRejected >= before.txBatchesRejected + 3 &&
          now.evidenceRejected >= before.evidenceRejected + 1
        );
      },
      30_000,
      [target],
    );
    const after = (await rpc(target.rpcUrl, "net_info")).result.p2p_metrics;
    t.is(after.consensusAccepted >= before.consensusAccepted, true);
    // The node goes on, and so does the chain.
    await waitForHeights(net.nodes.slice(0, 4), height + 3n, 30_000);
  },
);
