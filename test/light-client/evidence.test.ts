// broadcast_evidence on a real node, fed by the light client's fork detector. A proxy in front of
// the node serves a conflicting header (another app hash) signed with the node's own validator key:
// the "byzantine coalition" holds all the power. The light client (primary = proxy, witness = the
// node) catches it; its evidence against the primary reaches the node through broadcast_evidence,
// which verifies it (lunatic attack from the common height) and commits it in a block, where the
// poa module records a light_client_attack. The mirror evidence (naming the node's own block as the
// conflicting one) and malformed or tampered evidence are refused with a reason. The chain then
// replays from genesis to the same app hash (the misbehavior is derived deterministically).
import { join } from "node:path";
import test from "ava";
import { Evidence as ProtoEvidence } from "cosmjs-types/tendermint/types/evidence";
import { loadPrivValidatorKey } from "../../chain/config/node-keys.ts";
import { Ed25519Signer } from "../../chain/crypto/ed25519.ts";
import { replayChain } from "../../chain/replay.ts";
import { type Commit, SignedMsgType } from "../../chain/types/block.ts";
import { fromHex } from "../../chain/types/bytes.ts";
import { headerHash } from "../../chain/types/header.ts";
import { timestampFromDate } from "../../chain/types/time.ts";
import { voteSignBytes } from "../../chain/types/vote.ts";
import { LightClient } from "../../light-client/client.ts";
import type { DetectionReport } from "../../light-client/detector.ts";
import { LightClientError } from "../../light-client/errors.ts";
import { encodeEvidenceJson } from "../../light-client/evidence.ts";
import { decodeSignedHeader, encodeSignedHeader } from "../../light-client/json.ts";
import { verifyEd25519Node } from "../../light-client/node/verify-signature.ts";
import { RpcTransport } from "../../light-client/rpc-transport.ts";
import { CHAIN_ID, nodePerFile, rpc, waitForHeight } from "../helpers/node-process.ts";
import { type LyingNode, startLyingNode } from "./lying-node.ts";

const FORGED_HEIGHT = 6n;
const now = () => timestampFromDate(new Date());

const chain = nodePerFile(test);
let liar: LyingNode | undefined;
let validator: Ed25519Signer;

test.serial.before(async () => {
  const { home, node } = chain;
  await waitForHeight(node.rpcUrl, FORGED_HEIGHT + 2n);
  validator = new Ed25519Signer(loadPrivValidatorKey(join(home.home, "config/priv_validator_key.json")).seed);
  liar = await startLyingNode(node.rpcUrl);
});

test.after.always(async () => {
  await liar?.close();
});

/** The node's header at `height` with another app hash, its commit re-signed by the validator. */
// biome-ignore lint/suspicious/noExplicitAny: raw JSON-RPC result, rewritten field by field
function forge(result: any): any {
  const signed = decodeSignedHeader(result.signed_header);
  const header = { ...signed.header, appHash: new Uint8Array(32).fill(0xab) };
  const blockId = { ...signed.commit.blockId, hash: headerHash(header) };
  const commit: Commit = {
    ...signed.commit,
    blockId,
    signatures: signed.commit.signatures.map((sig) => ({
      ...sig,
      signature: validator.sign(
        voteSignBytes(CHAIN_ID, {
          type: SignedMsgType.precommit,
          height: header.height,
          round: signed.commit.round,
          blockId,
          timestamp: sig.timestamp,
        }),
      ),
    })),
  };
  return { ...result, signed_header: encodeSignedHeader({ header, commit }) };
}

test.serial("the fork detector's evidence is accepted by broadcast_evidence and committed", async (t) => {
  t.timeout(90_000);
  const commit1 = await rpc(chain.node.rpcUrl, "commit", { height: "1" });
  liar!.rewrite = (method, params, result) =>
    method === "commit" && String(params.height) === String(FORGED_HEIGHT) ? forge(result) : result;
  const client = await LightClient.create(
    {
      chainId: CHAIN_ID,
      primary: new RpcTransport(liar!.url),
      witnesses: [new RpcTransport(chain.node.rpcUrl)],
      trust: { height: 1n, hash: fromHex(commit1.result.signed_header.commit.block_id.hash) },
      mode: "sequential",
      verifySignature: verifyEd25519Node,
    },
    now(),
  );
  const error = await t.throwsAsync(client.verifyToHeight(FORGED_HEIGHT, now()), {
    instanceOf: LightClientError,
  });
  t.is(error?.code, "fork_detected");
  const report = ((error?.details["reports"] ?? []) as DetectionReport[])[0];
  if (report === undefined) return t.fail("expected a report");
  if (report.kind !== "attack") return t.fail("expected an attack report");
  t.is(report.commonHeight, FORGED_HEIGHT - 1n);
  // To the witness (the real node): accepted. To the primary (forwarded to the same node): the
  // mirror evidence names the node's own block as conflicting, refused with the reason.
  const [toWitness, toPrimary] = report.submissions;
  t.true(toWitness?.accepted, toWitness?.error);
  t.false(toPrimary?.accepted);
  t.regex(toPrimary?.error ?? "", /invalid_attack: .*no conflict/);

  // The evidence lands in a block, and poa records the byzantine validator.
  let evidenceHeight: bigint | undefined;
  const deadline = Date.now() + 30_000;
  for (let height = FORGED_HEIGHT + 2n; evidenceHeight === undefined && Date.now() < deadline; height++) {
    await waitForHeight(chain.node.rpcUrl, height);
    const block = await rpc(chain.node.rpcUrl, "block", { height: String(height) });
    const list: string[] = block.result.block.evidence.evidence ?? [];
    if (list.length > 0) {
      const decoded = ProtoEvidence.decode(Buffer.from(list[0]!, "base64"));
      t.is(decoded.lightClientAttackEvidence?.commonHeight, FORGED_HEIGHT - 1n);
      t.deepEqual(
        decoded.lightClientAttackEvidence?.byzantineValidators.map((v) =>
          Buffer.from(v.address).toString("hex"),
        ),
        [Buffer.from(validator.address).toString("hex")],
      );
      evidenceHeight = height;
    }
  }
  t.not(evidenceHeight, undefined, "evidence committed in a block");
  const log = chain.node.output();
  t.regex(log, /evidence added to the pool/);
});

test.serial("malformed, tampered and unknown evidence is refused with a reason", async (t) => {
  t.timeout(60_000);
  const bad = await rpc(chain.node.rpcUrl, "broadcast_evidence", {
    evidence: { type: "tendermint/Other", value: {} },
  });
  t.is(bad.error?.code, -32602);
  t.regex(bad.error?.data, /tendermint\/LightClientAttackEvidence/);
  // Well-formed evidence whose byzantine list is not what the node derives.
  const header = await rpc(chain.node.rpcUrl, "commit", { height: String(FORGED_HEIGHT) });
  const forged = decodeSignedHeader(forge(header.result).signed_header);
  const validators = await rpc(chain.node.rpcUrl, "validators", { height: String(FORGED_HEIGHT) });
  const set = validators.result.validators;
  const common = await rpc(chain.node.rpcUrl, "commit", { height: String(FORGED_HEIGHT - 1n) });
  const evidence = {
    conflictingBlock: {
      signedHeader: { header: forged.header, commit: forged.commit as never },
      validatorSet: {
        validators: set.map((v: { address: string; pub_key: { value: string }; voting_power: string }) => ({
          address: fromHex(v.address),
          pubKey: { ed25519: Buffer.from(v.pub_key.value, "base64") },
          votingPower: BigInt(v.voting_power),
          proposerPriority: 0n,
        })),
        totalVotingPower: 10n,
      },
    },
    commonHeight: FORGED_HEIGHT - 1n,
    byzantineValidators: [],
    totalVotingPower: BigInt(set[0].voting_power),
    timestamp: decodeSignedHeader(common.result.signed_header).header.time,
  };
  const wrongList = await rpc(chain.node.rpcUrl, "broadcast_evidence", {
    evidence: encodeEvidenceJson(evidence),
  });
  t.is(wrongList.error?.code, -32603);
  t.regex(wrongList.error?.data, /invalid_attack: the byzantine validators named/);
  const wrongTime = await rpc(chain.node.rpcUrl, "broadcast_evidence", {
    evidence: encodeEvidenceJson({ ...evidence, timestamp: { seconds: 1n, nanos: 0 } }),
  });
  t.regex(wrongTime.error?.data, /invalid_attack: evidence time/);
  const future = await rpc(chain.node.rpcUrl, "broadcast_evidence", {
    evidence: encodeEvidenceJson({ ...evidence, commonHeight: 10_000n }),
  });
  t.regex(future.error?.data, /invalid_attack: common height/);
});

test.serial("a chain with committed attack evidence replays to the same app hash", async (t) => {
  t.timeout(60_000);
  await liar?.close();
  liar = undefined;
  t.is(await chain.node.stop(), 0);
  const report = await replayChain({ home: chain.home.home });
  t.deepEqual(report.mismatches, []);
  t.deepEqual(report.stateCheck?.stores, []);
  t.is(Buffer.from(report.finalAppHash).toString("hex"), Buffer.from(report.storedAppHash).toString("hex"));
});
