// Market genesis: export → import reproduces state and app hash (with listings, grants, open
// challenges, a dispute with votes), validation of bad sections, and the pure payout arithmetic.
import test from "ava";
import { GenesisError } from "../../../chain/app/errors.ts";
import { market as pb } from "../../../client/index.ts";
import { marketModule } from "../../../modules/market/module.ts";
import { splitForfeit, splitPurchase } from "../../../modules/market/split.ts";
import type { SixAddresses } from "../../helpers/app.ts";
import { buyMsg, challengeMsg, createMsg, device, listed, startMarketApp, voteMsg } from "./helpers.ts";

test("export then import gives the same state and app hash", async (t) => {
  const a = await startMarketApp(t);
  const [o0, o1, o2, o3, seller, buyer] = a.w.addresses as SixAddresses;
  const id = await listed(a, seller);
  await device(a, buyer, "D035_0002");
  await a.exec(buyer, [createMsg(buyer, { deviceId: "D035_0002", stake: "3000" })]);
  for (const who of [buyer, o0, o2]) await a.exec(who, [buyMsg(who, id, o1, 2)]);
  for (const [who, stake] of [
    [buyer, "100"],
    [o0, "250"],
    [o2, "300"],
  ] as const)
    await a.exec(who, [challengeMsg(who, id, stake)]);
  await a.exec(o1, [voteMsg(o1, id, true)]);
  await a.exec(o2, [voteMsg(o2, id, false)]);
  const exported = await a.app.exportGenesis();
  t.deepEqual(await a.app.exportGenesis(), exported);
  const market = exported.market as Record<string, unknown[]>;
  t.is(market.listings!.length, 2);
  t.is(market.grants!.length, 3);
  t.is(market.challenges!.length, 3);
  t.is(market.disputes!.length, 1);
  t.is(market.votes!.length, 2);

  const one = await startMarketApp(t, { appState: exported });
  const two = await startMarketApp(t, { appState: JSON.parse(JSON.stringify(exported)) });
  t.deepEqual((await one.app.info()).lastBlockAppHash, (await two.app.info()).lastBlockAppHash);
  t.deepEqual(await one.app.exportGenesis(), exported);
  t.deepEqual(await one.app.checkInvariants(), []);
  // The imported chain goes on: the third challengers_win vote (30 of 40) resolves the dispute.
  t.is((await one.exec(o0, [voteMsg(o0, id, false)])).code, 0);
  const result = await one.exec(o3, [voteMsg(o3, id, false)]);
  t.is(result.code, 0, result.log);
  const listings = await one.ask("Listings", {}, pb.QueryListingsResponse);
  t.deepEqual(
    listings.listings.map((l) => l.deviceId),
    ["D035_0002"],
  );
});

const seller = "sensor194c3vs4hy6cygqtz0j5lhtpj7hy9xra3css4te";
const listing = (fields: object = {}) => ({
  id: "1",
  seller,
  device_id: "D035_0001",
  stake: { denom: "usensor", amount: "1000" },
  price: { denom: "usensor", amount: "5" },
  period_seconds: "60",
  status: "LISTING_STATUS_ACTIVE",
  ...fields,
});

const invalid: [string, unknown, RegExp][] = [
  ["not an object", [], /must be an object/],
  [
    "bps above a whole",
    {
      params: {
        stake_denom: "usensor",
        min_listing_stake: "1",
        min_challenge_stake: "1",
        challenge_threshold: 1,
        gateway_bps: 10001,
      },
    },
    /gateway_bps/,
  ],
  [
    "threshold 0",
    { params: { stake_denom: "usensor", min_listing_stake: "1", min_challenge_stake: "1" } },
    /challenge_threshold/,
  ],
  ["listing id not below next", { next_listing_id: "1", listings: [listing()] }, /not below next_listing_id/],
  [
    "two listings of one device",
    { next_listing_id: "3", listings: [listing(), listing({ id: "2" })] },
    /has two listings/,
  ],
  [
    "bad status",
    { next_listing_id: "2", listings: [listing({ status: "LISTING_STATUS_UNSPECIFIED" })] },
    /unknown status/,
  ],
  [
    "disputed without a dispute",
    { next_listing_id: "2", listings: [listing({ disputed: true })] },
    /disputed flag/,
  ],
  [
    "counters disagree",
    { next_listing_id: "2", listings: [listing({ open_challenges: 1 })] },
    /disagree with its challenges/,
  ],
  [
    "challenge without a grant",
    {
      next_listing_id: "2",
      listings: [listing({ open_challenges: 1, challenge_stake: "5" })],
      challenges: [{ listing_id: "1", challenger: seller, stake: "5" }],
    },
    /holds no grant/,
  ],
];

for (const [name, genesis, message] of invalid) {
  test(`genesis is refused: ${name}`, (t) => {
    const error = t.throws(() => marketModule().validateGenesis!(genesis), { instanceOf: GenesisError });
    t.regex(error!.message, message);
  });
}

test("splitPurchase: floors for gateway and platform, remainder to the seller, sum preserved", (t) => {
  t.deepEqual(splitPurchase(3003n, 1000n, 1000n), { seller: 2403n, gateway: 300n, platform: 300n });
  t.deepEqual(splitPurchase(9n, 1000n, 1000n), { seller: 9n, gateway: 0n, platform: 0n });
  t.deepEqual(splitPurchase(0n, 1000n, 1000n), { seller: 0n, gateway: 0n, platform: 0n });
  for (const amount of [1n, 7n, 99n, 10_001n, (1n << 255n) + 12345n]) {
    const { seller: s, gateway, platform } = splitPurchase(amount, 1234n, 567n);
    t.is(s + gateway + platform, amount);
  }
});

test("splitForfeit: platform share, pro rata floors in order, dust to the platform", (t) => {
  t.deepEqual(splitForfeit(10_000n, [100n, 200n, 400n], 1000n), {
    platform: 1002n,
    winners: [1285n, 2571n, 5142n],
  });
  t.deepEqual(splitForfeit(700n, [1n], 1000n), { platform: 70n, winners: [630n] });
  t.deepEqual(splitForfeit(5n, [], 1000n), { platform: 5n, winners: [] });
  t.deepEqual(splitForfeit(10n, [1n, 1n, 1n], 0n), { platform: 1n, winners: [3n, 3n, 3n] });
});
