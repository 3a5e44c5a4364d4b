// Compact proposals (chain/p2p/compact-proposal.ts): a proposal travels as tx hashes and every
// receiver rebuilds exactly the proposer's block (same bytes, same BlockID) from the txs it holds,
// fetching the ones it lacks from the sender. Codec tests, then real P2PHosts with ConsensusGossip
// (as the node builds them) on 127.0.0.1: one receiver holds every tx, one half of them, one none.
import { randomBytes } from "node:crypto";
import test from "ava";
import { txHashOf } from "../../chain/app/tx-hash.ts";
import type { ChainState } from "../../chain/consensus/chain-state.ts";
import { rememberProposedBlock } from "../../chain/consensus/proposal-verdicts.ts";
import type { ConsensusMessage } from "../../chain/consensus/tendermint/messages.ts";
import type { Proposal, ProposedBlock } from "../../chain/consensus/tendermint/types.ts";
import { Ed25519Signer } from "../../chain/crypto/ed25519.ts";
import { toHex } from "../../chain/crypto/hash.ts";
import {
  decodeCompactProposal,
  encodeCompactProposalFrame,
  findTxs,
  rebuildProposedBlock,
} from "../../chain/p2p/compact-proposal.ts";
import { ConsensusGossip } from "../../chain/p2p/consensus-gossip.ts";
import { P2PHost, peerIdOfNodeKey } from "../../chain/p2p/host.ts";
import { createP2PMetrics, type P2PMetrics } from "../../chain/p2p/metrics.ts";
import { parsePeerAddress } from "../../chain/p2p/peers.ts";
import { decodeGossipFrame, encodeVoteBatchFrame } from "../../chain/p2p/proposal-parts.ts";
import { chainTopics } from "../../chain/p2p/topics.ts";
import { type Block, SignedMsgType, type Vote } from "../../chain/types/block.ts";
import { makeBlockId } from "../../chain/types/part-set.ts";
import { proposalSignBytes, voteSignBytes } from "../../chain/types/vote.ts";
import { freePort } from "../helpers/node-process.ts";
import { realChain } from "../types/fixtures.ts";

const CHAIN_ID = "compact-proposal-test";
const HEIGHT = 13n;
/** Longest the hosts may take to connect, exchange subscriptions and deliver, ms (loaded machine). */
const WAIT_MS = 60_000;
const silent = { info: () => {}, warn: () => {} };

function proposedBlock(signer: Ed25519Signer, txCount: number): ProposedBlock {
  const { header, commit } = realChain();
  const txs = Array.from({ length: txCount }, () => new Uint8Array(randomBytes(200 + (txCount % 50))));
  const block: Block = {
    header: { ...header, chainId: CHAIN_ID, height: HEIGHT, proposerAddress: signer.address },
    data: { txs },
    evidence: [],
    lastCommit: commit,
  };
  const { bytes, blockId } = makeBlockId(block);
  return { block, blockId, blockBytes: bytes };
}

function signedProposal(signer: Ed25519Signer, proposed: ProposedBlock): Proposal {
  const unsigned: Proposal = {
    height: HEIGHT,
    round: 0,
    polRound: -1,
    blockId: proposed.blockId,
    timestamp: { seconds: 1_700_000_000n, nanos: 0 },
    signature: new Uint8Array(),
  };
  return { ...unsigned, signature: signer.sign(proposalSignBytes(CHAIN_ID, unsigned)) };
}

test("a compact proposal is rebuilt to the same block bytes and BlockID; other txs give no block", (t) => {
  const signer = Ed25519Signer.generate();
  const proposed = proposedBlock(signer, 40);
  const proposal = signedProposal(signer, proposed);
  const frame = decodeGossipFrame(encodeCompactProposalFrame(proposal, proposed));
  if (frame.kind !== "compact") return t.fail(`decoded as ${frame.kind}`);
  const compact = frame.compact;
  t.deepEqual(compact.proposal, proposal);
  t.is(compact.block.data.txs.length, 0);
  t.is(compact.txHashes.length, 40 * 32);
  const held = new Map(proposed.block.data.txs.map((tx) => [txHashOf(tx).hex, tx]));
  const found = findTxs(compact, (hex) => held.get(hex));
  t.deepEqual(found.missing, []);
  const rebuilt = rebuildProposedBlock(compact, found.txs as Uint8Array[]);
  t.truthy(rebuilt);
  t.deepEqual(rebuilt?.blockBytes, proposed.blockBytes);
  t.deepEqual(rebuilt?.blockId, proposed.blockId);
  t.true(
    rebuilt?.block.data.txs.every((tx, i) => tx === found.txs[i]),
    "the held arrays themselves",
  );
  // The same hashes in another order name other txs: not the signed block.
  const swapped = [...(found.txs as Uint8Array[])];
  [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
  t.is(rebuildProposedBlock(compact, swapped), undefined);
  // Half of them held: the others are reported missing by index.
  const half = findTxs(compact, (hex) =>
    held.get(hex) !== undefined && hex < "8" ? held.get(hex) : undefined,
  );
  t.true(half.missing.length > 0 && half.missing.length < 40);
  for (const i of half.missing) t.is(half.txs[i], undefined);
  t.throws(() => decodeCompactProposal(new Uint8Array([0x1a, 0x03, 1, 2, 3])), {
    message: /proposal or block missing/,
  });
});

/** The chain state a single-validator chain at HEIGHT shows the topic validators (what they read). */
function stateOf(signer: Ed25519Signer): ChainState {
  return {
    chainId: CHAIN_ID,
    lastBlockHeight: HEIGHT - 1n,
    validators: [
      { address: signer.address, pubKey: signer.publicKey, votingPower: 10n, proposerPriority: 0n },
    ],
    nextValidators: [],
    lastValidators: [],
  } as unknown as ChainState;
}

/** `count` P2PHosts on 127.0.0.1, each the others' persistent and validator peer (not started). */
async function createHosts(count: number): Promise<P2PHost[]> {
  const seeds = Array.from({ length: count }, () => new Uint8Array(randomBytes(32)));
  const ports = await Promise.all(seeds.map(() => freePort()));
  const peerIds = await Promise.all(seeds.map((seed) => peerIdOfNodeKey(seed)));
  const addresses = peerIds.map((peerId, i) => parsePeerAddress(`${peerId}@127.0.0.1:${ports[i]}`));
  return Promise.all(
    seeds.map((seed, i) =>
      P2PHost.create({
        nodeKeySeed: seed,
        laddr: `tcp://127.0.0.1:${ports[i]}`,
        persistentPeers: addresses.filter((_, j) => j !== i),
        validatorPeerIds: new Set(peerIds),
        metrics: createP2PMetrics(),
        logger: silent,
      }),
    ),
  );
}

/** Starts the hosts and waits until each sees `peers` subscribers of the consensus topic. */
async function startHosts(hosts: readonly P2PHost[], peers: number, deadline: number): Promise<boolean> {
  await Promise.all(hosts.map((host) => host.start()));
  const topic = chainTopics(CHAIN_ID).consensus;
  while (hosts.some((host) => host.subscribers(topic).length < peers)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

interface Receiver {
  host: P2PHost;
  metrics: P2PMetrics;
  delivered: Promise<ConsensusMessage>;
}

test("receivers rebuild a proposal from the txs they hold and fetch the rest from its sender", async (t) => {
  const signer = Ed25519Signer.generate();
  const proposed = proposedBlock(signer, 300);
  const proposal = signedProposal(signer, proposed);
  const txs = proposed.block.data.txs;
  const byHex = new Map(txs.map((tx) => [txHashOf(tx).hex, tx]));
  const state = stateOf(signer);
  const topics = chainTopics(CHAIN_ID);
  const hosts = await createHosts(4);
  // Which txs each receiver holds before the proposal: all, every other one, none.
  const holds = [
    (_hex: string) => true,
    (hex: string) => txs.indexOf(byHex.get(hex)!) % 2 === 0,
    (_hex: string) => false,
  ];
  const proposerMetrics = createP2PMetrics();
  const proposer = new ConsensusGossip({
    host: hosts[0]!,
    topics,
    metrics: proposerMetrics,
    view: () => state,
    txs: (hex) => byHex.get(hex),
  });
  proposer.onMessage(() => {});
  await proposer.serveProposalTxs();
  const receivers: Receiver[] = [];
  for (const [i, held] of holds.entries()) {
    const metrics = createP2PMetrics();
    const gossip = new ConsensusGossip({
      host: hosts[i + 1]!,
      topics,
      metrics,
      view: () => state,
      txs: (hex) => (held(hex) ? byHex.get(hex) : undefined),
    });
    await gossip.serveProposalTxs();
    const delivered = new Promise<ConsensusMessage>((resolve) =>
      gossip.onMessage((message) => resolve(message)),
    );
    receivers.push({ host: hosts[i + 1]!, metrics, delivered });
  }
  const after: (() => void)[] = [];
  try {
    if (!(await startHosts(hosts, 3, Date.now() + WAIT_MS))) return t.fail("hosts did not subscribe in time");
    rememberProposedBlock(proposed);
    // Repeated as the engine does (a message sent while a stream was still opening can be lost); a
    // repeat is answered from the rebuilt proposal, nothing is fetched twice.
    const send = () => proposer.broadcast({ kind: "proposal", proposal, blockBytes: proposed.blockBytes });
    send();
    const repeat = setInterval(send, 2_000);
    after.push(() => clearInterval(repeat));
    t.true(proposerMetrics.consensusBytesPublished < proposed.blockBytes.length / 4, "hashes, not txs");
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("no proposal delivered in time")), WAIT_MS).unref(),
    );
    for (const [i, receiver] of receivers.entries()) {
      const message = await Promise.race([receiver.delivered, timeout]);
      if (message.kind !== "proposal") return t.fail(`receiver ${i} got a ${message.kind}`);
      t.deepEqual(message.proposal, proposal);
      t.deepEqual(
        toHex(message.blockBytes),
        toHex(proposed.blockBytes),
        `receiver ${i}: the proposer's bytes`,
      );
      t.is(receiver.metrics.compactProposalsRebuilt, 1);
      t.is(receiver.metrics.proposalTxsFetched, [0, 150, 300][i]!, `receiver ${i}: txs fetched`);
      t.is(receiver.metrics.proposalTxFetchFailures, 0);
    }
  } finally {
    for (const stop of after) stop();
    await Promise.all(hosts.map((host) => host.stop()));
  }
});

function signedVote(signer: Ed25519Signer, type: SignedMsgType, proposed: ProposedBlock): Vote {
  const unsigned: Vote = {
    type,
    height: HEIGHT,
    round: 0,
    blockId: proposed.blockId,
    timestamp: { seconds: 1_700_000_001n, nanos: 0 },
    validatorAddress: new Uint8Array(signer.address),
    validatorIndex: 0,
    signature: new Uint8Array(),
  };
  return { ...unsigned, signature: signer.sign(voteSignBytes(CHAIN_ID, unsigned)) };
}

test("the gossip repeats' votes travel in one message and reach the engine one by one; a forged one rejects it", async (t) => {
  const signer = Ed25519Signer.generate();
  const proposed = proposedBlock(signer, 3);
  const votes = [SignedMsgType.prevote, SignedMsgType.precommit].map((type) =>
    signedVote(signer, type, proposed),
  );
  const frame = decodeGossipFrame(encodeVoteBatchFrame(votes));
  if (frame.kind !== "votes") return t.fail(`decoded as ${frame.kind}`);
  t.deepEqual(frame.votes, votes);

  const state = stateOf(signer);
  const topics = chainTopics(CHAIN_ID);
  const hosts = await createHosts(2);
  const sender = new ConsensusGossip({
    host: hosts[0]!,
    topics,
    metrics: createP2PMetrics(),
    view: () => state,
  });
  sender.onMessage(() => {});
  const metrics = createP2PMetrics();
  const receiver = new ConsensusGossip({ host: hosts[1]!, topics, metrics, view: () => state });
  const received: ConsensusMessage[] = [];
  receiver.onMessage((message) => received.push(message));
  try {
    const deadline = Date.now() + WAIT_MS;
    if (!(await startHosts(hosts, 1, deadline))) return t.fail("hosts did not subscribe in time");
    const forged = { ...votes[1]!, round: 1 };
    // Repeated until both are through (a message sent while a stream opens can be lost).
    while (metrics.consensusAccepted === 0 || metrics.consensusRejected === 0) {
      if (Date.now() > deadline) return t.fail("batches not received in time");
      if (metrics.consensusAccepted === 0)
        sender.broadcastMany(votes.map((vote) => ({ kind: "vote", vote })));
      if (metrics.consensusRejected === 0)
        sender.broadcastMany([votes[0]!, forged].map((vote) => ({ kind: "vote", vote })));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const delivered = received.filter((message) => message.kind === "vote").map((message) => message.vote);
    t.deepEqual(delivered.slice(0, 2), votes, "each vote of the good batch, in order");
    t.false(
      delivered.some((vote) => vote.round === 1),
      "nothing of the batch with the forged vote",
    );
  } finally {
    await Promise.all(hosts.map((host) => host.stop()));
  }
});
