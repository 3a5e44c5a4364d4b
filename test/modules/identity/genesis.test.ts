// Identity genesis: defaults, validation of every record, export → import giving the same app hash
// and indexes, and the operator set supplied by a "poa" keeper instead of params.
import test from "ava";
import type { Context, Module } from "../../../chain/app/module.ts";
import { encodeAddress } from "../../../chain/crypto/bech32.ts";
import { identity as pb } from "../../../client/index.ts";
import { authModule } from "../../../modules/auth/module.ts";
import { bankModule } from "../../../modules/bank/module.ts";
import type { Operator } from "../../../modules/identity/module.ts";
import { identityModule } from "../../../modules/identity/module.ts";
import { type SixAddresses, startApp } from "../../helpers/app.ts";
import {
  cidOf,
  identityGenesis,
  registerMsg,
  revokeMsg,
  startIdentityApp,
  updateMsg,
  verifyMsg,
} from "./helpers.ts";

const VALID = encodeAddress(new Uint8Array(20).fill(7));
const OTHER = encodeAddress(new Uint8Array(20).fill(8));

async function tokenJson(overrides: Record<string, unknown> = {}) {
  return {
    class_id: "company",
    token_id: "1",
    owner: VALID,
    profile_cid: await cidOf("g"),
    sector: "D035",
    status: "IDENTITY_STATUS_ACTIVE",
    ...overrides,
  };
}

test("the default genesis is valid and has no operators", (t) => {
  const module = identityModule();
  const genesis = module.defaultGenesis!() as { params: { consortium_operators: unknown[] } };
  t.deepEqual(genesis.params.consortium_operators, []);
  t.notThrows(() => module.validateGenesis!(genesis));
});

test("invalid genesis records are refused with the field named", async (t) => {
  const cid = await cidOf("g");
  const cases: [string, unknown, RegExp][] = [
    ["not an object", [], /app_state.identity must be an object/],
    [
      "bad operator",
      { params: { consortium_operators: [{ address: "x", power: "1" }] } },
      /params: .*invalid address/,
    ],
    [
      "zero power",
      { params: { consortium_operators: [{ address: VALID, power: "0" }] } },
      /power must be positive/,
    ],
    [
      "duplicate operator",
      {
        params: {
          consortium_operators: [
            { address: VALID, power: "1" },
            { address: VALID, power: "1" },
          ],
        },
      },
      /duplicate consortium operator/,
    ],
    ["bad class", { tokens: [await tokenJson({ class_id: "x" })] }, /class_id must be company/],
    ["token id 0", { tokens: [await tokenJson({ token_id: "0" })] }, /token_id must be at least 1/],
    ["bad owner", { tokens: [await tokenJson({ owner: "x" })] }, /tokens\[0\].owner/],
    ["bad cid", { tokens: [await tokenJson({ profile_cid: "x" })] }, /tokens\[0\].profile_cid/],
    ["bad sector", { tokens: [await tokenJson({ sector: "d" })] }, /tokens\[0\].sector/],
    [
      "unknown status",
      { tokens: [await tokenJson({ status: "IDENTITY_STATUS_UNSPECIFIED" })] },
      /unknown status/,
    ],
    [
      "revoked without reason",
      { tokens: [await tokenJson({ status: "IDENTITY_STATUS_REVOKED" })] },
      /revocation_reason.*needs a reason/,
    ],
    ["active with reason", { tokens: [await tokenJson({ revocation_reason: "x" })] }, /no revocation_reason/],
    [
      "two tokens of one owner",
      { tokens: [await tokenJson(), await tokenJson({ token_id: "2", profile_cid: await cidOf("h") })] },
      /holds two tokens/,
    ],
    [
      "one cid twice",
      { tokens: [await tokenJson(), await tokenJson({ token_id: "2", owner: OTHER })] },
      new RegExp(`two tokens have profile ${cid}`),
    ],
    [
      "duplicate id",
      { tokens: [await tokenJson(), await tokenJson({ owner: OTHER, profile_cid: await cidOf("h") })] },
      /duplicate token id 1/,
    ],
    [
      "next id too low",
      { tokens: [await tokenJson({ token_id: "3" })], next_token_id: "2" },
      /next_token_id 2/,
    ],
    [
      "vote on unknown token",
      { votes: [{ token_id: "4", action: "VOTE_ACTION_VERIFY", voter: VALID }] },
      /votes\[0\]: no token 4/,
    ],
  ];
  const module = identityModule();
  for (const [name, genesis, message] of cases) {
    const error = t.throws(() => module.validateGenesis!(genesis), undefined, name);
    t.regex(error?.message ?? "", message, name);
  }
});

test("genesis export then import gives the same app hash, indexes and votes", async (t) => {
  const a = await startIdentityApp(t, { operators: { 3: 1, 4: 1 } });
  const [alice, bob, carol, o3, o4] = a.w.addresses as [string, string, string, string, string];
  await a.runMany([
    { from: alice, msgs: [registerMsg(alice, await cidOf("a"))] },
    { from: bob, msgs: [registerMsg(bob, await cidOf("b"), "C010")] },
    { from: carol, msgs: [registerMsg(carol, await cidOf("c"))] },
  ]);
  await a.runMany([
    { from: alice, msgs: [updateMsg(alice, await cidOf("a2"))] },
    { from: o3, msgs: [verifyMsg(o3, 1), revokeMsg(o3, 2, "dissolved"), verifyMsg(o3, 3)] },
  ]);
  await a.runMany([{ from: o4, msgs: [verifyMsg(o4, 1), revokeMsg(o4, 2, "dissolved")] }]);
  const exported = await a.app.exportGenesis();
  const state = exported.identity as {
    tokens: Record<string, unknown>[];
    votes: unknown[];
    next_token_id: string;
  };
  t.is(state.tokens.length, 3);
  t.like(state.tokens[0], { token_id: "1", verified: true, profile_cid: await cidOf("a2") });
  t.like(state.tokens[1], {
    token_id: "2",
    status: "IDENTITY_STATUS_REVOKED",
    revocation_reason: "dissolved",
  });
  t.is(state.votes.length, 1);
  t.is(state.next_token_id, "4");
  t.deepEqual(await a.app.exportGenesis(), exported);

  const one = await startIdentityApp(t, { genesis: exported });
  const two = await startIdentityApp(t, { genesis: JSON.parse(JSON.stringify(exported)) });
  t.deepEqual((await one.app.info()).lastBlockAppHash, (await two.app.info()).lastBlockAppHash);
  t.deepEqual(await one.app.exportGenesis(), exported);
  t.deepEqual(await one.app.checkInvariants(), []);
  const byCid = await one.queryIdentity("TokenByCid", { cid: await cidOf("c") }, pb.QueryTokenResponse);
  t.is(byCid.token!.owner, carol);
  // The imported pending vote counts: one more operator verifies token 3.
  t.is((await one.run(o4, [verifyMsg(o4, 3)])).code, 0);
  t.true((await one.queryIdentity("Token", { tokenId: 3 }, pb.QueryTokenResponse)).token!.verified);
  // A new registration gets the next id.
  const dave = a.w.addresses[5]!;
  t.is((await one.run(dave, [registerMsg(dave, await cidOf("d"))])).code, 0);
  t.is(
    String((await one.queryIdentity("TokenByOwner", { owner: dave }, pb.QueryTokenResponse)).token!.tokenId),
    "4",
  );
});

test("a poa keeper's operator set replaces params; votes of operators who left do not count", async (t) => {
  const { wallets } = await import("../../helpers/app.ts");
  const w = await wallets(6);
  const [alice, , o2, o3, o4, o5] = w.addresses as SixAddresses;
  let operators: Operator[] = [o2, o3, o4, o5].map((address) => ({ address, power: 1n }));
  // The poa module is not built yet: a module with its name and the narrow keeper interface.
  const poa: Module = {
    name: "poa",
    storeNames: [],
    keeper: { consortiumOperators: (_ctx: Context) => operators },
  };
  const a = await startApp(t, {
    walletCount: 6,
    genesis: identityGenesis(w.addresses, {}),
    modules: [authModule(), bankModule(), identityModule(), poa],
  });
  const { startIdentityAppFrom } = await import("./helpers.ts");
  const app = await startIdentityAppFrom(a);
  const verified = async () =>
    (await app.queryIdentity("Token", { tokenId: 1 }, pb.QueryTokenResponse)).token!.verified;
  await app.run(alice, [registerMsg(alice, await cidOf("a"))]);
  t.is((await app.run(o2, [verifyMsg(o2, 1)])).code, 0);
  t.is((await app.run(o3, [verifyMsg(o3, 1)])).code, 0);
  // o2 leaves the set: with o4, the votes of current operators are 2 of 3, not more than 2/3 (o2's
  // stored vote would have made it 3).
  operators = [o3, o4, o5].map((address) => ({ address, power: 1n }));
  t.is((await app.run(o4, [verifyMsg(o4, 1)])).code, 0);
  t.false(await verified());
  t.is((await app.run(o5, [verifyMsg(o5, 1)])).code, 0);
  t.true(await verified());
  // An empty poa set (validators without operator records) falls back to params (empty here).
  operators = [];
  t.is((await app.run(o3, [revokeMsg(o3, 1)])).code, 10);
  operators = [o3, o4, o5].map((address) => ({ address, power: 1n }));
  // Someone outside the current set is refused even though params listed nobody.
  t.is((await app.run(o2, [revokeMsg(o2, 1)])).code, 10);
});
