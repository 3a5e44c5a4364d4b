// Acceptance (consensus issue): a validator that double-signs is caught. The harness is a libp2p peer
// holding validator3's consensus key that gossips two conflicting precommits (different random
// BlockIDs) for the height being decided, beside validator3's own honest vote. The engines see the
// conflict, the evidence goes through the pool into a block (block.evidence via RPC), the poa module
// jails validator3 (query shows jailed) and it leaves the validator set two heights later.
import { randomBytes } from "node:crypto";
import test from "ava";
import { homePaths } from "../../chain/config/home.ts";
import { loadPrivValidatorKey } from "../../chain/config/node-keys.ts";
import { encodeConsensusMessage } from "../../chain/consensus/tendermint/messages.ts";
import { Ed25519Signer } from "../../chain/crypto/ed25519.ts";
import { P2PHost } from "../../chain/p2p/host.ts";
import { CONSENSUS_NONCE_BYTES } from "../../chain/p2p/limits.ts";
import { createP2PMetrics } from "../../chain/p2p/metrics.ts";
import { parsePeerAddresses } from "../../chain/p2p/peers.ts";
import { chainTopics } from "../../chain/p2p/topics.ts";
import { SignedMsgType, type Vote } from "../../chain/types/block.ts";
import { voteSignBytes } from "../../chain/types/vote.ts";
import { pb } from "../../modules/poa/codec.ts";
import {
  DEVNET_START_TIMEOUT_MS,
  heightOf,
  startTestDevnet,
  waitFor,
  waitForHeights,
} from "../helpers/devnet-process.ts";
import { rpc } from "../helpers/node-process.ts";

const quiet = { info() {}, warn() {}, error() {} };

test("a validator that double-signs is caught: evidence in a block, jailed, out of the set", async (t) => {
  t.timeout(180_000 + DEVNET_START_TIMEOUT_MS);
  const net = await startTestDevnet({ validators: 4, timeoutCommit: "500ms" });
  t.teardown(() => net.close());
  const [v0, , , v3] = net.nodes as [(typeof net.nodes)[0], unknown, unknown, (typeof net.nodes)[0]];
  await waitForHeights(net.nodes, 2n, DEVNET_START_TIMEOUT_MS);

  const key = loadPrivValidatorKey(homePaths(v3.spec.home).privValidatorKeyFile);
  const signer = new Ed25519Signer(key.seed);
  const addressHex = Buffer.from(key.address).toString("hex").toUpperCase();
  const host = await P2PHost.create({
    nodeKeySeed: new Uint8Array(randomBytes(32)),
    laddr: "tcp://127.0.0.1:0",
    persistentPeers: parsePeerAddresses(
      net.nodes.map((n) => `${n.spec.peerId}@/ip4/127.0.0.1/tcp/${n.spec.p2pPort}`),
    ),
    validatorPeerIds: new Set(),
    metrics: createP2PMetrics(),
    logger: quiet,
  });
  const topics = chainTopics(net.devnet.chainId);
  host.subscribe(topics.consensus, () => "ignore");
  await host.start();
  t.teardown(() => host.stop());

  let nonce = 0;
  const publish = (vote: Vote) => {
    const payload = encodeConsensusMessage({ kind: "vote", vote });
    const data = new Uint8Array(CONSENSUS_NONCE_BYTES + payload.length);
    data.set(randomBytes(4), 0);
    new DataView(data.buffer).setUint32(4, nonce++);
    data.set(payload, CONSENSUS_NONCE_BYTES);
    host.publish(topics.consensus, data);
  };
  const conflictingPrecommit = (height: bigint, index: number): Vote => {
    const vote: Vote = {
      type: SignedMsgType.precommit,
      height,
      round: 0,
      blockId: {
        hash: new Uint8Array(randomBytes(32)),
        partSetHeader: { total: 1, hash: new Uint8Array(randomBytes(32)) },
      },
      timestamp: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
      validatorAddress: key.address,
      validatorIndex: index,
      signature: new Uint8Array(),
    };
    return { ...vote, signature: signer.sign(voteSignBytes(net.devnet.chainId, vote)) };
  };

  // Keep injecting two conflicting precommits for the height being decided until a block has evidence.
  const startHeight = await heightOf(v0);
  let evidenceHeight: bigint | undefined;
  let scanned = startHeight;
  await waitFor(
    "a block with evidence",
    async () => {
      const height = await heightOf(v0);
      const validators = (await rpc(v0.rpcUrl, "validators", { height: height.toString() })).result
        .validators as {
        address: string;
      }[];
      const index = validators.findIndex((v) => v.address === addressHex);
      if (index >= 0) for (let i = 0; i < 2; i++) publish(conflictingPrecommit(height + 1n, index));
      for (; scanned < height; scanned++) {
        const block = (await rpc(v0.rpcUrl, "block", { height: (scanned + 1n).toString() })).result.block;
        if (block.evidence.evidence.length > 0) {
          evidenceHeight = scanned + 1n;
          return true;
        }
      }
      return false;
    },
    120_000,
    net.nodes,
  );
  t.truthy(evidenceHeight);
  const block = (await rpc(v0.rpcUrl, "block", { height: evidenceHeight!.toString() })).result.block;
  t.not(block.header.evidence_hash, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");

  // Jailed in the poa module.
  const query = await rpc(v0.rpcUrl, "abci_query", {
    path: "/sensorchain.poa.v1.Query/Validators",
    data: "",
  });
  const records = pb.QueryValidatorsResponse.decode(
    Buffer.from(query.result.response.value, "base64"),
  ).validators;
  const record = records.find((r) => Buffer.from(r.pubKey ?? []).equals(Buffer.from(key.publicKey)));
  t.is(record?.jailed, true);

  // Power 0 emitted at the evidence height: not in the set that signs evidenceHeight + 2.
  await waitForHeights([v0], evidenceHeight! + 2n, 60_000);
  const after = (await rpc(v0.rpcUrl, "validators", { height: (evidenceHeight! + 2n).toString() })).result
    .validators as {
    address: string;
  }[];
  t.false(after.some((v) => v.address === addressHex));
  t.is(after.length, 3);
  // The chain goes on with three validators.
  await waitForHeights([v0], evidenceHeight! + 4n, 60_000);
});
