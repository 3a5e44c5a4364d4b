// Poa keeper rules through signed txs and FinalizeBlock: who may propose and vote, the > 2/3 rule,
// expiry, add/remove/reweight emitted from EndBlock, the 1/3-per-block cap with carry-over, jailing
// on evidence (once), re-admission.
import test from "ava";
import { bytesEqual } from "../../../chain/crypto/hash.ts";
import { poa as pb } from "../../../client/index.ts";
import { eventsOf } from "../../helpers/app.ts";
import { addressOf, consensusKey, duplicateVote, proposeMsg, startPoaApp, voteMsg } from "./helpers.ts";

const updatesOf = (response: { validatorUpdates: { pubKey: Uint8Array; power: bigint }[] }) =>
  response.validatorUpdates.map((u) => ({ key: Buffer.from(u.pubKey).toString("hex"), power: u.power }));
const keyHex = (label: string) => Buffer.from(consensusKey(label)).toString("hex");

test("InitChain answers with the genesis validators", async (t) => {
  const a = await startPoaApp(t, { powers: [10n, 20n] });
  t.deepEqual(
    a.init.validators.map((v) => ({ key: Buffer.from(v.pubKey).toString("hex"), power: v.power })),
    [
      { key: keyHex("v0"), power: 10n },
      { key: keyHex("v1"), power: 20n },
    ],
  );
  const ctx = a.context();
  t.is(a.keeper.totalPower(ctx), 30n);
  t.true(a.keeper.isOperator(ctx, a.operators[1]!));
  t.false(a.keeper.isOperator(ctx, a.operators[3]!));
  t.is(a.keeper.operatorOf(ctx, addressOf("v1")), a.operators[1]);
  t.deepEqual(
    a.keeper
      .operators(ctx)
      .map((o) => o.power)
      .sort(),
    [10n, 20n],
  );
});

test("InitChain refuses a poa set that differs from the CometBFT validators", async (t) => {
  await t.throwsAsync(
    startPoaApp(t, { powers: [10n, 10n], requestValidators: [{ pubKey: consensusKey("v0"), power: 10n }] }),
    { message: /differ from the validators of app_state/ },
  );
  await t.notThrowsAsync(
    startPoaApp(t, {
      powers: [10n, 10n],
      requestValidators: [
        { pubKey: consensusKey("v1"), power: 10n },
        { pubKey: consensusKey("v0"), power: 10n },
      ],
    }),
  );
});

test("only operators of current validators may propose and vote", async (t) => {
  const a = await startPoaApp(t);
  const outsider = a.operators[5]!;
  const proposed = await a.run(outsider, [proposeMsg(outsider, "add", "n1", { operator: outsider })]);
  t.is(proposed.result.codespace, "poa");
  t.is(proposed.result.code, 2);
  const ok = await a.run(a.operators[0]!, [proposeMsg(a.operators[0]!, "add", "n1", { operator: outsider })]);
  t.is(ok.result.code, 0, ok.result.log);
  const voted = await a.run(outsider, [voteMsg(outsider, 1n)]);
  t.is(voted.result.code, 2);
  t.is(voted.result.codespace, "poa");
});

test("a proposal passes above 2/3 of the power, not at exactly 2/3", async (t) => {
  // Powers 10, 10, 10: two yes votes are exactly 2/3 (not enough), three pass.
  const a = await startPoaApp(t, { powers: [10n, 10n, 10n] });
  const [o0, o1, o2] = a.operators as [string, string, string];
  await a.run(o0, [proposeMsg(o0, "add", "n1", { operator: a.operators[4]! })]);
  const second = await a.run(o1, [voteMsg(o1, 1n)]);
  t.is(second.result.code, 0, second.result.log);
  let proposal = await a.queryPoa("Proposal", { proposalId: 1n }, pb.QueryProposalResponse);
  t.is(proposal.proposal!.status, pb.ProposalStatus.PROPOSAL_STATUS_OPEN);
  t.is(proposal.yesPower.toString(), "20");
  t.is(proposal.totalPower.toString(), "30");
  t.deepEqual(updatesOf(second.response), []);
  const third = await a.run(o2, [voteMsg(o2, 1n)]);
  t.is(third.result.code, 0, third.result.log);
  proposal = await a.queryPoa("Proposal", { proposalId: 1n }, pb.QueryProposalResponse);
  t.is(proposal.proposal!.status, pb.ProposalStatus.PROPOSAL_STATUS_PASSED);
  t.is(eventsOf(third.result.events, "sensorchain.poa.v1.EventProposalPassed").length, 1);
  // Same block's EndBlock emits the new validator (power 10 of total 30: exactly the 1/3 budget).
  t.deepEqual(updatesOf(third.response), [{ key: keyHex("n1"), power: 10n }]);
  t.true(a.keeper.isOperator(a.context(), a.operators[4]!));
  // Voting on a passed proposal fails.
  const late = await a.run(o0, [voteMsg(o0, 1n, false)]);
  t.is(late.result.code, 16);
});

test("unequal powers: 21 of 31 passes (> 2/3), 20 of 30 does not", async (t) => {
  const a = await startPoaApp(t, { powers: [20n, 10n] });
  const [o0, o1] = a.operators as [string, string];
  const proposed = await a.run(o0, [proposeMsg(o0, "reweight", "v1", { power: 11n })]);
  t.is(proposed.result.code, 0, proposed.result.log);
  const p = await a.queryPoa("Proposal", { proposalId: 1n }, pb.QueryProposalResponse);
  t.is(p.proposal!.status, pb.ProposalStatus.PROPOSAL_STATUS_OPEN, "20 of 30 is exactly 2/3");
  await a.run(o1, [voteMsg(o1, 1n)]);
  const passed = await a.queryPoa("Proposal", { proposalId: 1n }, pb.QueryProposalResponse);
  t.is(passed.proposal!.status, pb.ProposalStatus.PROPOSAL_STATUS_PASSED);
});

test("a vote may be changed while the proposal is open; no votes count nothing", async (t) => {
  const a = await startPoaApp(t);
  const [o0, o1, o2, o3] = a.operators as [string, string, string, string];
  await a.run(o0, [proposeMsg(o0, "remove", "v3")]);
  await a.run(o1, [voteMsg(o1, 1n, false)]);
  await a.run(o1, [voteMsg(o1, 1n, true)]);
  const votes = await a.queryPoa("Votes", { proposalId: 1n }, pb.QueryVotesResponse);
  t.is(votes.votes.length, 2);
  t.true(votes.votes.every((v) => v.option === pb.VoteOption.VOTE_OPTION_YES));
  await a.run(o2, [voteMsg(o2, 1n, false)]);
  let p = await a.queryPoa("Proposal", { proposalId: 1n }, pb.QueryProposalResponse);
  t.is(p.yesPower.toString(), "20");
  t.is(p.noPower.toString(), "10");
  const last = await a.run(o3, [voteMsg(o3, 1n, true)]);
  p = await a.queryPoa("Proposal", { proposalId: 1n }, pb.QueryProposalResponse);
  t.is(p.proposal!.status, pb.ProposalStatus.PROPOSAL_STATUS_PASSED);
  t.deepEqual(updatesOf(last.response), [{ key: keyHex("v3"), power: 0n }]);
  t.is((await a.queryPoa("Validators", {}, pb.QueryValidatorsResponse)).validators.length, 3);
  t.false(a.keeper.isOperator(a.context(), o3));
});

test("a proposal expires after its expiry height", async (t) => {
  const a = await startPoaApp(t);
  const [o0, o1] = a.operators as [string, string];
  const proposed = await a.run(o0, [proposeMsg(o0, "reweight", "v1", { power: 12n, expiryBlocks: 2n })]);
  t.is(proposed.result.code, 0, proposed.result.log);
  // Submitted at height 1, votes count through height 3.
  await a.finalize();
  const atExpiry = await a.run(o1, [voteMsg(o1, 1n)]);
  t.is(atExpiry.result.code, 0, atExpiry.result.log);
  t.is(eventsOf(atExpiry.response.events, "sensorchain.poa.v1.EventProposalExpired").length, 1);
  const p = await a.queryPoa("Proposal", { proposalId: 1n }, pb.QueryProposalResponse);
  t.is(p.proposal!.status, pb.ProposalStatus.PROPOSAL_STATUS_EXPIRED);
  t.is(String(p.proposal!.finalHeight), "3");
  const late = await a.run(a.operators[2]!, [voteMsg(a.operators[2]!, 1n)]);
  t.is(late.result.code, 16);
});

test("stateful failures: unknown validator, existing key, taken operator, bad fields", async (t) => {
  const a = await startPoaApp(t);
  const o0 = a.operators[0]!;
  const cases: [object, number][] = [
    [proposeMsg(o0, "remove", "nobody"), 10],
    [proposeMsg(o0, "reweight", "nobody"), 10],
    [proposeMsg(o0, "add", "v1", { operator: a.operators[5]! }), 9],
    [proposeMsg(o0, "add", "n1", { operator: a.operators[1]! }), 11],
    [proposeMsg(o0, "add", "n1", { operator: a.operators[5]!, power: 0n }), 4],
    [proposeMsg(o0, "add", "n1", { operator: a.operators[5]!, moniker: "" }), 6],
    [proposeMsg(o0, "add", "n1", { operator: a.operators[5]!, nodeId: "has space" }), 7],
    [proposeMsg(o0, "add", "n1", { operator: a.operators[5]!, expiryBlocks: 0n }), 8],
    [proposeMsg(o0, "remove", "v1", { power: 3n }), 5],
  ];
  for (const [msg, code] of cases) {
    const { result } = await a.run(o0, [msg as never]);
    t.is(result.code, code, result.log);
    t.is(result.codespace, "poa");
  }
  const badVote = await a.run(o0, [voteMsg(o0, 99n)]);
  t.is(badVote.result.code, 15);
});

test("open proposals are bounded per proposer", async (t) => {
  const a = await startPoaApp(t);
  const o0 = a.operators[0]!;
  for (let i = 0; i < 4; i++) {
    const { result } = await a.run(o0, [proposeMsg(o0, "reweight", "v1", { power: BigInt(11 + i) })]);
    t.is(result.code, 0, result.log);
  }
  const { result } = await a.run(o0, [proposeMsg(o0, "reweight", "v1", { power: 20n })]);
  t.is(result.code, 14);
});

test("no block changes more than 1/3 of the power: the rest carries over", async (t) => {
  const a = await startPoaApp(t); // 4 × 10: budget 13 a block
  const [o0, o1, o2] = a.operators as [string, string, string];
  // Two removals pass in the same block.
  await a.run(o0, [proposeMsg(o0, "remove", "v2"), proposeMsg(o0, "remove", "v3")]);
  await a.run(o1, [voteMsg(o1, 1n), voteMsg(o1, 2n)]);
  const txs = [await a.signPoa(o2, [voteMsg(o2, 1n), voteMsg(o2, 2n)])];
  const first = await a.finalize(txs);
  t.is(first.txResults[0]!.code, 0, first.txResults[0]!.log);
  t.deepEqual(updatesOf(first), [{ key: keyHex("v2"), power: 0n }]);
  t.is(eventsOf(first.events, "sensorchain.poa.v1.EventChangeDeferred").length, 1);
  // Next block: total 30, budget 10: the second removal fits.
  const second = await a.finalize();
  t.deepEqual(updatesOf(second), [{ key: keyHex("v3"), power: 0n }]);
  t.deepEqual(updatesOf(await a.finalize()), []);
});

test("a change larger than 1/3 moves in steps of the budget", async (t) => {
  const a = await startPoaApp(t, { powers: [10n] });
  const o0 = a.operators[0]!;
  const { result, response } = await a.run(o0, [
    proposeMsg(o0, "add", "n1", { operator: a.operators[1]!, power: 10n }),
  ]);
  t.is(result.code, 0, result.log);
  // Total 10 → budget 3; then total 13 → 4; then 17 → 3 (the rest).
  t.deepEqual(updatesOf(response), [{ key: keyHex("n1"), power: 3n }]);
  t.deepEqual(updatesOf(await a.finalize()), [{ key: keyHex("n1"), power: 7n }]);
  t.deepEqual(updatesOf(await a.finalize()), [{ key: keyHex("n1"), power: 10n }]);
  t.deepEqual(updatesOf(await a.finalize()), []);
  t.is(a.keeper.totalPower(a.context()), 20n);
});

test("a reweight passes and is emitted", async (t) => {
  const a = await startPoaApp(t, { powers: [30n, 10n] });
  const o0 = a.operators[0]!;
  const { response } = await a.run(o0, [
    proposeMsg(o0, "reweight", "v1", { power: 20n, moniker: "renamed" }),
  ]);
  t.deepEqual(updatesOf(response), [{ key: keyHex("v1"), power: 20n }]);
  const v = await a.queryPoa("Validator", { operator: a.operators[1]! }, pb.QueryValidatorResponse);
  t.is(v.validator!.moniker, "renamed");
  t.is(String(v.validator!.power), "20");
});

test("misbehavior jails once; the consortium re-admits", async (t) => {
  const a = await startPoaApp(t);
  const [o0, o1, o2, o3] = a.operators as [string, string, string, string];
  const evidence = duplicateVote("v3", 1n);
  const jailed = await a.finalize([], [evidence]);
  t.deepEqual(updatesOf(jailed), [{ key: keyHex("v3"), power: 0n }]);
  t.is(eventsOf(jailed.events, "sensorchain.poa.v1.EventValidatorJailed").length, 1);
  const ctx = a.context();
  t.false(a.keeper.isOperator(ctx, o3));
  t.is(a.keeper.totalPower(ctx), 30n);
  t.true(a.keeper.getValidator(ctx, addressOf("v3"))!.jailed);
  // The same evidence again changes nothing.
  const again = await a.finalize([], [evidence]);
  t.deepEqual(updatesOf(again), []);
  t.is(eventsOf(again.events, "sensorchain.poa.v1.EventEvidenceRecorded").length, 0);
  const list = await a.queryPoa("Evidence", {}, pb.QueryEvidenceResponse);
  t.is(list.evidence.length, 1);
  t.true(bytesEqual(list.evidence[0]!.validatorAddress!, addressOf("v3")));
  t.true(list.evidence[0]!.jailed);
  t.is(list.evidence[0]!.hash!.length, 32);
  // The jailed operator cannot vote; the others re-admit it with an add.
  t.is((await a.run(o3, [proposeMsg(o3, "reweight", "v3")])).result.code, 2);
  await a.run(o0, [proposeMsg(o0, "add", "v3", { operator: o3 })]);
  await a.run(o1, [voteMsg(o1, 1n)]);
  const back = await a.run(o2, [voteMsg(o2, 1n)]);
  t.deepEqual(updatesOf(back.response), [{ key: keyHex("v3"), power: 10n }]);
  const readmitted = a.keeper.getValidator(a.context(), addressOf("v3"))!;
  t.false(readmitted.jailed);
  t.is(readmitted.admissionHeight, a.height);
  // Evidence from before the re-admission is recorded but does not jail again.
  const stale = await a.finalize([], [duplicateVote("v3", 2n)]);
  t.deepEqual(updatesOf(stale), []);
  t.is(eventsOf(stale.events, "sensorchain.poa.v1.EventEvidenceRecorded")[0]!.jailed, "false");
});

test("evidence of an unknown validator is recorded without effect", async (t) => {
  const a = await startPoaApp(t);
  const response = await a.finalize([], [duplicateVote("stranger", 1n)]);
  t.deepEqual(updatesOf(response), []);
  t.is((await a.queryPoa("Evidence", {}, pb.QueryEvidenceResponse)).evidence.length, 1);
});

test("the last validator is never removed or jailed away", async (t) => {
  const a = await startPoaApp(t, { powers: [10n] });
  const o0 = a.operators[0]!;
  t.is((await a.run(o0, [proposeMsg(o0, "remove", "v0")])).result.code, 13);
  const response = await a.finalize([], [duplicateVote("v0", 1n, 10n, 10n)]);
  t.deepEqual(updatesOf(response), []);
  t.is(eventsOf(response.events, "sensorchain.poa.v1.EventChangeDropped").length, 1);
  t.is(a.keeper.totalPower(a.context()), 0n);
  t.deepEqual(await a.app.checkInvariants(), []);
});
