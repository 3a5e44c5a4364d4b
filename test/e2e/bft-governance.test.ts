// Acceptance (consensus issue): a validator is added by a governance vote, signs blocks from
// height + 2, and is removed again by another vote. 4 validators (power 10 each) with operators from
// the devnet's app_state.poa; a fifth node runs as a full node with its own consensus key. Operators
// send MsgProposeValidatorChange / MsgVoteValidatorChange through cosmjs with the client registry.
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import test from "ava";
import {
  ChangeKind,
  createRegistry,
  MSG_PROPOSE_VALIDATOR_CHANGE,
  MSG_VOTE_VALIDATOR_CHANGE,
  VoteOption,
} from "../../client/index.ts";
import {
  blockAt,
  DEVNET_START_TIMEOUT_MS,
  heightOf,
  startTestDevnet,
  waitFor,
  waitForHeights,
} from "../helpers/devnet-process.ts";
import { rpc } from "../helpers/node-process.ts";

const FEE = { amount: [{ denom: "usensor", amount: "50000" }], gas: "500000" };

test("a validator is added by a vote, signs from height + 2, and is removed by another vote", async (t) => {
  t.timeout(180_000 + DEVNET_START_TIMEOUT_MS);
  const net = await startTestDevnet({
    validators: 4,
    fullNodes: 1,
    timeoutCommit: "500ms",
    startFullNodes: true,
  });
  t.teardown(() => net.close());
  const validators = net.nodes.filter((n) => n.spec.validator);
  const full = net.nodes.find((n) => !n.spec.validator)!;
  await waitForHeights(net.nodes, 2n, DEVNET_START_TIMEOUT_MS);

  const operators = await Promise.all(
    validators.map(async (node) => {
      const wallet = await DirectSecp256k1HdWallet.fromMnemonic(node.spec.operator!.mnemonic, {
        prefix: "sensor",
      });
      const client = await SigningStargateClient.connectWithSigner(node.rpcUrl, wallet, {
        registry: createRegistry(),
      });
      return { address: node.spec.operator!.address, client };
    }),
  );
  t.teardown(() => {
    for (const operator of operators) operator.client.disconnect();
  });
  const send = async (index: number, typeUrl: string, value: object) => {
    const operator = operators[index]!;
    const result = await operator.client.signAndBroadcast(operator.address, [{ typeUrl, value }], FEE);
    t.is(result.code, 0, result.rawLog);
    return BigInt(result.height);
  };
  const vote = (index: number, proposalId: number) =>
    send(index, MSG_VOTE_VALIDATOR_CHANGE, {
      operator: operators[index]!.address,
      proposalId,
      option: VoteOption.VOTE_OPTION_YES,
    });
  const newAddress = Buffer.from(
    (await import("../../chain/crypto/ed25519.ts")).ed25519Address(full.spec.consensusPubKey),
  )
    .toString("hex")
    .toUpperCase();
  const setAt = async (height: bigint) =>
    (
      (await rpc(validators[0]!.rpcUrl, "validators", { height: height.toString() })).result.validators as {
        address: string;
      }[]
    ).map((v) => v.address);

  // Add: operator 0 proposes (its yes), operators 1 and 2 vote: 30 of 40 > 2/3 passes at the second vote.
  await send(0, MSG_PROPOSE_VALIDATOR_CHANGE, {
    proposer: operators[0]!.address,
    kind: ChangeKind.CHANGE_KIND_ADD,
    pubKey: full.spec.consensusPubKey,
    power: 10,
    operator: net.devnet.faucetAddress,
    moniker: full.spec.moniker,
    nodeId: full.spec.peerId,
    expiryBlocks: 200,
  });
  await vote(1, 1);
  const passedAt = await vote(2, 1);
  await waitForHeights(validators, passedAt + 3n, 60_000);
  t.false((await setAt(passedAt + 1n)).includes(newAddress));
  t.true((await setAt(passedAt + 2n)).includes(newAddress));
  // Its precommits appear in commits (the full node's engine signs once it is in the set).
  let signedAt: bigint | undefined;
  await waitFor(
    "a commit signed by the added validator",
    async () => {
      const top = await heightOf(validators[0]!);
      for (let h = passedAt + 3n; h <= top; h++)
        if ((await blockAt(validators[0]!, h))?.lastCommitSigners.includes(newAddress)) {
          signedAt = h - 1n;
          return true;
        }
      return false;
    },
    60_000,
    net.nodes,
  );
  t.true(signedAt! >= passedAt + 2n);

  // Remove: 5 validators of 10; > 2/3 of 50 needs four yes votes.
  await send(0, MSG_PROPOSE_VALIDATOR_CHANGE, {
    proposer: operators[0]!.address,
    kind: ChangeKind.CHANGE_KIND_REMOVE,
    pubKey: full.spec.consensusPubKey,
    power: 0,
    operator: "",
    moniker: "",
    nodeId: "",
    expiryBlocks: 200,
  });
  await vote(1, 2);
  await vote(2, 2);
  const removedAt = await vote(3, 2);
  await waitForHeights(validators, removedAt + 3n, 60_000);
  t.true((await setAt(removedAt + 1n)).includes(newAddress));
  t.false((await setAt(removedAt + 2n)).includes(newAddress));
  t.is((await setAt(removedAt + 2n)).length, 4);
});
