// Identity keeper rules through real txs on the real store: every message's success path, its
// events, state and indexes, and every failure case of modules/identity/README.md with its code.
import test, { type ExecutionContext } from "ava";
import { identity as pb } from "../../../client/index.ts";
import { eventsOf } from "../../helpers/app.ts";
import {
  cidOf,
  type IdentityTestApp,
  registerMsg,
  revokeMsg,
  startIdentityApp,
  transferMsg,
  updateMsg,
  verifyMsg,
} from "./helpers.ts";

const EXEC_PREFIX = /^failed to execute message; message index: 0: /;

function expectFailure(
  t: ExecutionContext,
  result: { code: number; codespace: string; log: string },
  code: number,
  log: RegExp,
  codespace = "identity",
) {
  t.is(result.code, code, result.log);
  t.is(result.codespace, codespace);
  t.regex(result.log, log);
}

async function tokenOf(a: IdentityTestApp, owner: string) {
  return (await a.queryIdentity("TokenByOwner", { owner }, pb.QueryTokenResponse)).token!;
}

test("register mints token 1 with its indexes, event and response", async (t) => {
  const a = await startIdentityApp(t);
  const [alice] = a.w.addresses as [string];
  const cid = await cidOf("alice");
  const result = await a.run(alice, [registerMsg(alice, cid)]);
  t.is(result.code, 0, result.log);
  const token = await tokenOf(a, alice);
  t.like(token, { classId: "company", owner: alice, profileCid: cid, sector: "D035", verified: false });
  t.is(String(token.tokenId), "1");
  t.is(token.status, pb.IdentityStatus.IDENTITY_STATUS_ACTIVE);
  t.is(String(token.registrationHeight), "1");
  const byCid = await a.queryIdentity("TokenByCid", { cid }, pb.QueryTokenResponse);
  t.is(byCid.token!.owner, alice);
  const byId = await a.queryIdentity("Token", { tokenId: 1 }, pb.QueryTokenResponse);
  t.is(byId.token!.profileCid, cid);
  t.deepEqual(eventsOf(result.events, "sensorchain.identity.v1.EventCompanyRegistered"), [
    { class_id: "company", token_id: "1", owner: alice, sector: "D035", profile_cid: cid, msg_index: "0" },
  ]);
  const { TxMsgData } = await import("cosmjs-types/cosmos/base/abci/v1beta1/abci");
  const [response] = TxMsgData.decode(result.data).msgResponses;
  t.is(response!.typeUrl, "/sensorchain.identity.v1.MsgRegisterCompanyResponse");
  t.is(String(pb.MsgRegisterCompanyResponse.decode(response!.value).tokenId), "1");
  t.deepEqual(await a.app.checkInvariants(), []);
});

test("token ids count up; list is paginated in id order", async (t) => {
  const a = await startIdentityApp(t);
  const [alice, bob, carol] = a.w.addresses as [string, string, string];
  const results = await a.runMany([
    { from: alice, msgs: [registerMsg(alice, await cidOf("a"))] },
    { from: bob, msgs: [registerMsg(bob, await cidOf("b"), "C010")] },
    { from: carol, msgs: [registerMsg(carol, await cidOf("c"))] },
  ]);
  t.deepEqual(
    results.map((r) => r.code),
    [0, 0, 0],
  );
  const first = await a.queryIdentity(
    "Tokens",
    { pagination: { limit: 2, countTotal: true } },
    pb.QueryTokensResponse,
  );
  t.deepEqual(
    first.tokens.map((token) => [String(token.tokenId), token.owner]),
    [
      ["1", alice],
      ["2", bob],
    ],
  );
  t.is(String(first.pagination!.total), "3");
  const second = await a.queryIdentity(
    "Tokens",
    { pagination: { key: first.pagination!.nextKey } },
    pb.QueryTokensResponse,
  );
  t.deepEqual(
    second.tokens.map((token) => token.owner),
    [carol],
  );
});

test("register failures: second token, CID in use, unknown sector, malformed fields", async (t) => {
  const a = await startIdentityApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  const cid = await cidOf("alice");
  t.is((await a.run(alice, [registerMsg(alice, cid)])).code, 0);
  expectFailure(t, await a.run(alice, [registerMsg(alice, await cidOf("other"))]), 5, /holds token 1/);
  expectFailure(t, await a.run(bob, [registerMsg(bob, cid)]), 6, /is the profile of token 1/);
  expectFailure(t, await a.run(bob, [registerMsg(bob, await cidOf("b"), "Z999")]), 4, /sector Z999/);
  t.regex((await a.run(bob, [registerMsg(bob, await cidOf("b"), "Z999")])).log, EXEC_PREFIX);
  // Stateless checks: refused before execution.
  expectFailure(t, await a.run(bob, [registerMsg(bob, await cidOf("b"), "d35")]), 3, /not 4 characters/);
  expectFailure(t, await a.run(bob, [registerMsg(bob, "not-a-cid")]), 2, /does not parse/);
  // CIDv0 (dag-pb, base58) and a dag-cbor CIDv1 are not profile CIDs.
  expectFailure(
    t,
    await a.run(bob, [registerMsg(bob, "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n")]),
    2,
    /raw codec/,
  );
  expectFailure(
    t,
    await a.run(bob, [registerMsg(bob, "bafyreigbtj4x7ip5legnfznufuopl4sg4knzc2cof6duas4b3q2fy6swua")]),
    2,
    /raw codec/,
  );
  // The same CID in base58btc is another spelling of a valid CID: refused, one spelling only.
  const { CID } = await import("multiformats/cid");
  const { base58btc } = await import("multiformats/bases/base58");
  const other = CID.parse(await cidOf("b")).toString(base58btc);
  expectFailure(t, await a.run(bob, [registerMsg(bob, other)]), 2, /must be written in base32/);
  expectFailure(
    t,
    await a.run(bob, [
      {
        typeUrl: "/sensorchain.identity.v1.MsgRegisterCompany",
        value: { owner: "x", profileCid: cid, sector: "D035" },
      },
    ]),
    7,
    /invalid owner address/,
    "sdk",
  );
  t.deepEqual(await a.app.checkInvariants(), []);
});

test("update profile moves the CID index; failures: no token, same CID, CID in use, revoked", async (t) => {
  const a = await startIdentityApp(t);
  const [alice, bob, , operator] = a.w.addresses as [string, string, string, string];
  const [one, two, three] = [await cidOf("1"), await cidOf("2"), await cidOf("3")];
  await a.runMany([
    { from: alice, msgs: [registerMsg(alice, one)] },
    { from: bob, msgs: [registerMsg(bob, three)] },
  ]);
  const result = await a.run(alice, [updateMsg(alice, two)]);
  t.is(result.code, 0, result.log);
  t.deepEqual(eventsOf(result.events, "sensorchain.identity.v1.EventProfileUpdated"), [
    { token_id: "1", owner: alice, profile_cid: two, previous_cid: one, msg_index: "0" },
  ]);
  const token = await tokenOf(a, alice);
  t.is(token.profileCid, two);
  t.is(String(token.profileUpdateHeight), "2");
  expectFailure(t, await a.queryError("TokenByCid", { cid: one }), 7, /no token has profile/);
  t.is((await a.queryIdentity("TokenByCid", { cid: two }, pb.QueryTokenResponse)).token!.owner, alice);
  // The old CID is free again.
  expectFailure(t, await a.run(alice, [updateMsg(alice, two)]), 9, /new profile cid is the current one/);
  expectFailure(t, await a.run(alice, [updateMsg(alice, three)]), 6, /profile of token 2/);
  const carol = a.w.addresses[2]!;
  expectFailure(t, await a.run(carol, [updateMsg(carol, one)]), 7, /holds no identity token/);
  t.is((await a.run(operator, [revokeMsg(operator, 2)])).code, 0);
  expectFailure(t, await a.run(bob, [updateMsg(bob, one)]), 8, /token 2: fraudulent filing/);
  t.deepEqual(await a.app.checkInvariants(), []);
});

test("a single operator verifies; non-operators, repeats and unknown tokens fail", async (t) => {
  const a = await startIdentityApp(t);
  const [alice, bob, , operator] = a.w.addresses as [string, string, string, string];
  await a.run(alice, [registerMsg(alice, await cidOf("a"))]);
  expectFailure(t, await a.run(bob, [verifyMsg(bob, 1)]), 10, /is not a consortium operator/);
  expectFailure(t, await a.run(alice, [verifyMsg(alice, 1)]), 10, /is not a consortium operator/);
  expectFailure(t, await a.run(operator, [verifyMsg(operator, 9)]), 7, /token 9/);
  expectFailure(t, await a.run(operator, [verifyMsg(operator, 0)]), 15, /at least 1/);
  const result = await a.run(operator, [verifyMsg(operator, 1)]);
  t.is(result.code, 0, result.log);
  t.deepEqual(eventsOf(result.events, "sensorchain.identity.v1.EventCompanyVerified"), [
    { token_id: "1", owner: alice, msg_index: "0" },
  ]);
  const { TxMsgData } = await import("cosmjs-types/cosmos/base/abci/v1beta1/abci");
  t.true(pb.MsgVerifyCompanyResponse.decode(TxMsgData.decode(result.data).msgResponses[0]!.value).passed);
  const token = await tokenOf(a, alice);
  t.true(token.verified);
  t.is(String(token.verifiedHeight), String(a.height));
  expectFailure(t, await a.run(operator, [verifyMsg(operator, 1)]), 13, /already verified/);
});

test("verification needs more than 2/3 of operator power; votes of removed operators do not count", async (t) => {
  // Operators 2, 3, 4 and 5 with power 1 each: 3 of 4 pass (3 × 3 > 4 × 2), 2 do not.
  const a = await startIdentityApp(t, { operators: { 2: 1, 3: 1, 4: 1, 5: 1 } });
  const [alice, , o2, o3, o4] = a.w.addresses as [string, string, string, string, string];
  await a.run(alice, [registerMsg(alice, await cidOf("a"))]);
  const first = await a.run(o2, [verifyMsg(o2, 1)]);
  t.is(first.code, 0, first.log);
  t.deepEqual(eventsOf(first.events, "sensorchain.identity.v1.EventIdentityVote"), [
    {
      token_id: "1",
      action: "verify",
      voter: o2,
      voted_power: "1",
      total_power: "4",
      passed: "false",
      msg_index: "0",
    },
  ]);
  expectFailure(t, await a.run(o2, [verifyMsg(o2, 1)]), 11, /already voted to verify token 1/);
  t.is((await a.run(o3, [verifyMsg(o3, 1)])).code, 0);
  t.false((await tokenOf(a, alice)).verified);
  const votes = await a.queryIdentity("Votes", { tokenId: 1 }, pb.QueryVotesResponse);
  t.deepEqual(votes.votes.map((vote) => vote.voter).sort(), [o2, o3].sort());
  t.is((await a.run(o4, [verifyMsg(o4, 1)])).code, 0);
  t.true((await tokenOf(a, alice)).verified);
  // Passed votes are cleared.
  t.is((await a.queryIdentity("Votes", { tokenId: 1 }, pb.QueryVotesResponse)).votes.length, 0);
});

test("weighted operators: power, not heads, decides", async (t) => {
  // Operator 2 holds 5 of 7: alone it has 15 > 14.
  const a = await startIdentityApp(t, { operators: { 2: 5, 3: 1, 4: 1 } });
  const [alice, bob, o2, o3, o4] = a.w.addresses as [string, string, string, string, string];
  await a.runMany([
    { from: alice, msgs: [registerMsg(alice, await cidOf("a"))] },
    { from: bob, msgs: [registerMsg(bob, await cidOf("b"))] },
  ]);
  t.is((await a.run(o2, [verifyMsg(o2, 1)])).code, 0);
  t.true((await tokenOf(a, alice)).verified);
  t.is((await a.run(o3, [verifyMsg(o3, 2)])).code, 0);
  t.is((await a.run(o4, [verifyMsg(o4, 2)])).code, 0);
  t.false((await tokenOf(a, bob)).verified);
});

test("revoke is final, records the reason, clears pending votes; failures", async (t) => {
  const a = await startIdentityApp(t, { operators: { 3: 1, 4: 1 } });
  const [alice, , , o3, o4] = a.w.addresses as [string, string, string, string, string];
  await a.run(alice, [registerMsg(alice, await cidOf("a"))]);
  expectFailure(t, await a.run(o3, [revokeMsg(o3, 1, "")]), 14, /needs a reason/);
  expectFailure(t, await a.run(o3, [revokeMsg(o3, 1, "x".repeat(257))]), 14, /longer than 256 bytes/);
  expectFailure(t, await a.run(o3, [revokeMsg(o3, 1, "bad\u0007")]), 14, /control characters/);
  t.is((await a.run(o3, [verifyMsg(o3, 1)])).code, 0);
  const half = await a.run(o3, [revokeMsg(o3, 1, "shell company")]);
  t.is(half.code, 0, half.log);
  t.is((await tokenOf(a, alice)).status, pb.IdentityStatus.IDENTITY_STATUS_ACTIVE);
  const passed = await a.run(o4, [revokeMsg(o4, 1, "registry says dissolved")]);
  t.is(passed.code, 0, passed.log);
  t.deepEqual(eventsOf(passed.events, "sensorchain.identity.v1.EventIdentityRevoked"), [
    { token_id: "1", owner: alice, reason: "registry says dissolved", msg_index: "0" },
  ]);
  const token = await tokenOf(a, alice);
  t.is(token.status, pb.IdentityStatus.IDENTITY_STATUS_REVOKED);
  t.is(token.revocationReason, "registry says dissolved");
  t.is(String(token.revokedHeight), String(a.height));
  t.is((await a.queryIdentity("Votes", { tokenId: 1 }, pb.QueryVotesResponse)).votes.length, 0);
  expectFailure(t, await a.run(o3, [revokeMsg(o3, 1)]), 8, /identity token is revoked/);
  expectFailure(t, await a.run(o4, [verifyMsg(o4, 1)]), 8, /identity token is revoked/);
  // Still one token per address: a revoked company cannot mint a fresh one.
  expectFailure(t, await a.run(alice, [registerMsg(alice, await cidOf("new"))]), 5, /holds token 1/);
  t.deepEqual(await a.app.checkInvariants(), []);
});

test("transfer is always refused as soulbound, before any state or fee", async (t) => {
  const a = await startIdentityApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  await a.run(alice, [registerMsg(alice, await cidOf("a"))]);
  const before = await a.accountOf(alice);
  const result = await a.run(alice, [transferMsg(alice, 1, bob)]);
  expectFailure(t, result, 12, /identity token is soulbound/);
  t.regex(result.log, /cannot be transferred/);
  // Refused in the ante handler (validateBasic): the sequence did not move, no fee was taken.
  t.deepEqual(await a.accountOf(alice), before);
  const check = await a.app.checkTx({
    tx: await a.signIdentity(alice, [transferMsg(alice, 1, bob)]),
    type: "new",
  });
  t.is(check.code, 12);
  t.is(check.codespace, "identity");
  t.is((await tokenOf(a, alice)).owner, alice);
  expectFailure(t, await a.queryError("TokenByOwner", { owner: bob }), 7, /holds no identity token/);
});

test("without consortium operators nobody can verify", async (t) => {
  const a = await startIdentityApp(t, { operators: {} });
  const [alice, , , o3] = a.w.addresses as [string, string, string, string];
  await a.run(alice, [registerMsg(alice, await cidOf("a"))]);
  expectFailure(t, await a.run(o3, [verifyMsg(o3, 1)]), 10, /not a consortium operator/);
});

test("queries refuse malformed requests with typed codes", async (t) => {
  const a = await startIdentityApp(t);
  expectFailure(t, await a.queryError("Token", { tokenId: 0 }), 15, /at least 1/);
  expectFailure(t, await a.queryError("Token", { tokenId: 5 }), 7, /token 5/);
  expectFailure(t, await a.queryError("TokenByCid", { cid: "bafy" }), 2, /does not parse/);
  expectFailure(t, await a.queryError("TokenByOwner", { owner: "nope" }), 7, /invalid owner address/, "sdk");
  const params = await a.queryIdentity("Params", {}, pb.QueryParamsResponse);
  t.deepEqual(
    (params.params?.consortiumOperators ?? []).map((o) => [o.address, String(o.power)]),
    [[a.w.addresses[3], "1"]],
  );
});
