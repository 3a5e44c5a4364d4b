// Poa genesis: validation of the section, export → import reproducing the state and the app hash,
// queries (including a proof through /store/poa/key), and the app-level flow: a 4-validator
// genesis, proposals voted through signed txs, updates in FinalizeBlockResponse at the right height.
import test from "ava";
import { GenesisError } from "../../../chain/app/errors.ts";
import { encodeAddress } from "../../../chain/crypto/bech32.ts";
import { toHex } from "../../../chain/crypto/hash.ts";
import { poa as pb } from "../../../client/index.ts";
import { validatorKey } from "../../../modules/poa/keys.ts";
import { poaModule } from "../../../modules/poa/module.ts";
import {
  addressOf,
  consensusKey,
  duplicateVote,
  proposeMsg,
  startPoaApp,
  validatorJson,
  voteMsg,
} from "./helpers.ts";

const OPERATOR = encodeAddress(new Uint8Array(20).fill(1));
const OTHER = encodeAddress(new Uint8Array(20).fill(2));

const invalid: [string, unknown, RegExp][] = [
  ["not an object", [], /app_state.poa must be an object/],
  [
    "bad key",
    { validators: [{ ...validatorJson("a", 10n, OPERATOR), pub_key: "AAAA" }] },
    /validators\[0\].pub_key/,
  ],
  ["bad operator", { validators: [validatorJson("a", 10n, "sensor1xyz")] }, /validators\[0\].operator/],
  ["empty moniker", { validators: [validatorJson("a", 10n, OPERATOR, { moniker: "" })] }, /moniker/],
  ["empty node id", { validators: [validatorJson("a", 10n, OPERATOR, { node_id: "" })] }, /node_id/],
  ["power 0 not jailed", { validators: [validatorJson("a", 0n, OPERATOR)] }, /power 0/],
  [
    "duplicate key",
    { validators: [validatorJson("a", 10n, OPERATOR), validatorJson("a", 10n, OTHER)] },
    /duplicate validator/,
  ],
  [
    "operator twice",
    { validators: [validatorJson("a", 10n, OPERATOR), validatorJson("b", 10n, OPERATOR)] },
    /operates two validators/,
  ],
  [
    "all jailed",
    { validators: [validatorJson("a", 0n, OPERATOR, { jailed: true })] },
    /every validator is jailed/,
  ],
  [
    "vote on unknown proposal",
    {
      validators: [validatorJson("a", 10n, OPERATOR)],
      votes: [{ proposal_id: "3", voter: OPERATOR, option: "VOTE_OPTION_YES", height: "1" }],
    },
    /proposal 3 is not in proposals/,
  ],
];

for (const [name, genesis, message] of invalid) {
  test(`genesis is refused: ${name}`, (t) => {
    const error = t.throws(() => poaModule().validateGenesis!(genesis), { instanceOf: GenesisError });
    t.regex(error!.message, message);
  });
}

test("export then import gives the same state and app hash", async (t) => {
  const a = await startPoaApp(t);
  const [o0, o1, o2] = a.operators as [string, string, string];
  // An open proposal, a passed one still in the queue (cap), a jailed validator with evidence.
  await a.run(o0, [proposeMsg(o0, "reweight", "v0", { power: 12n })]);
  await a.run(o0, [proposeMsg(o0, "remove", "v1"), proposeMsg(o0, "remove", "v2")]);
  await a.run(o1, [voteMsg(o1, 2n), voteMsg(o1, 3n)]);
  await a.finalize([await a.signPoa(o2, [voteMsg(o2, 2n), voteMsg(o2, 3n)])], [duplicateVote("v3", 1n)]);
  t.true((await a.keeper.queue(a.context())).length > 0, "a change is still queued");
  const exported = await a.app.exportGenesis();
  t.deepEqual(await a.app.exportGenesis(), exported);
  t.deepEqual(await a.app.checkInvariants(), []);
  const poa = exported.poa as Record<string, unknown[]>;
  t.is(poa.proposals!.length, 3);
  t.is(poa.evidence!.length, 1);

  const one = await startPoaApp(t, { appState: exported });
  const two = await startPoaApp(t, { appState: JSON.parse(JSON.stringify(exported)) });
  t.deepEqual((await one.app.info()).lastBlockAppHash, (await two.app.info()).lastBlockAppHash);
  t.deepEqual(await one.app.exportGenesis(), exported);
  t.deepEqual(await one.app.checkInvariants(), []);
  // The imported chain goes on: the queued removal is emitted by its first EndBlock.
  const next = await one.finalize();
  t.deepEqual(
    next.validatorUpdates.map((u) => u.power),
    [0n],
  );
});

test("queries: validators, validator by address and operator, proposals by status, votes, proof", async (t) => {
  const a = await startPoaApp(t);
  const [o0, o1] = a.operators as [string, string];
  await a.run(o0, [proposeMsg(o0, "reweight", "v1", { power: 11n }), proposeMsg(o0, "remove", "v3")]);
  await a.run(o1, [voteMsg(o1, 1n, false)]);
  const all = await a.queryPoa("Validators", {}, pb.QueryValidatorsResponse);
  t.is(all.validators.length, 4);
  t.is(String(all.totalPower), "40");
  const byAddress = await a.queryPoa(
    "Validator",
    { consensusAddress: toHex(addressOf("v2")) },
    pb.QueryValidatorResponse,
  );
  t.is(byAddress.validator!.operator, a.operators[2]);
  t.is(byAddress.consensusAddress, toHex(addressOf("v2")).toUpperCase());
  const byOperator = await a.queryPoa("Validator", { operator: o1 }, pb.QueryValidatorResponse);
  t.deepEqual(Uint8Array.from(byOperator.validator!.pubKey!), consensusKey("v1"));
  t.like(await a.queryError("Validator", {}), { code: 18, codespace: "poa" });
  t.like(await a.queryError("Validator", { operator: a.operators[5]! }), { code: 10, codespace: "poa" });
  const open = await a.queryPoa(
    "Proposals",
    { status: pb.ProposalStatus.PROPOSAL_STATUS_OPEN, pagination: { limit: 1n, countTotal: true } },
    pb.QueryProposalsResponse,
  );
  t.is(open.proposals.length, 1);
  t.is(String(open.pagination!.total), "2");
  t.true(open.pagination!.nextKey!.length > 0);
  const passed = await a.queryPoa(
    "Proposals",
    { status: pb.ProposalStatus.PROPOSAL_STATUS_PASSED },
    pb.QueryProposalsResponse,
  );
  t.is(passed.proposals.length, 0);
  const votes = await a.queryPoa("Votes", { proposalId: 1n }, pb.QueryVotesResponse);
  t.deepEqual(
    votes.votes.map((v) => v.option),
    [pb.VoteOption.VOTE_OPTION_YES, pb.VoteOption.VOTE_OPTION_NO].sort(),
  );
  t.like(await a.queryError("Proposal", { proposalId: 9n }), { code: 15 });
  // Raw state is provable: the validator record under /store/poa/key.
  const proof = await a.query("/store/poa/key", validatorKey(addressOf("v0")), 0n, true);
  t.is(proof.code, 0, proof.log);
  t.true(proof.value.length > 0);
  t.is(proof.proofOps.length, 2);
  t.is(pb.Validator.decode(proof.value).moniker, "v0");
});

test("app level: 4 validators, votes by signed txs, updates at the height the proposal passes", async (t) => {
  const a = await startPoaApp(t, {
    requestValidators: ["v0", "v1", "v2", "v3"].map((label) => ({ pubKey: consensusKey(label), power: 10n })),
  });
  t.is(a.init.validators.length, 4);
  const [o0, o1, o2] = a.operators as [string, string, string];
  const newcomer = a.operators[4]!;
  const heights: bigint[] = [];
  const updates: { height: bigint; power: bigint; key: string }[] = [];
  const record = (response: { validatorUpdates: { pubKey: Uint8Array; power: bigint }[] }) => {
    heights.push(a.height);
    for (const u of response.validatorUpdates)
      updates.push({ height: a.height, power: u.power, key: toHex(u.pubKey) });
  };
  record((await a.run(o0, [proposeMsg(o0, "add", "v4", { operator: newcomer, power: 10n })])).response);
  record((await a.run(o1, [voteMsg(o1, 1n)])).response);
  record(await a.finalize());
  t.deepEqual(updates, [], "2 of 4 yes is not > 2/3");
  record((await a.run(o2, [voteMsg(o2, 1n)])).response);
  t.deepEqual(updates, [{ height: 4n, power: 10n, key: toHex(consensusKey("v4")) }]);
  // Consensus applies them at height 6 (H+2); the module counts the newcomer from now on.
  t.true(a.keeper.isOperator(a.context(), newcomer));
  t.is(a.keeper.totalPower(a.context()), 50n);
  // The newcomer votes to remove it again with the others.
  record((await a.run(newcomer, [proposeMsg(newcomer, "remove", "v4")])).response);
  for (const operator of [o0, o1, o2]) record((await a.run(operator, [voteMsg(operator, 2n)])).response);
  t.deepEqual(updates.at(-1), { height: 8n, power: 0n, key: toHex(consensusKey("v4")) });
  t.is(updates.length, 2);
});
