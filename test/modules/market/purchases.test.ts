// Market keeper rules for purchases through real txs on the real store: the 80/10/10 split to the
// unit, grants and HasAccess, price updates, and their failure cases of modules/market/README.md
// with their codes. Invariants (market module balance, supply, listing records) are checked after every block.
import test from "ava";
import { market as pb } from "../../../client/index.ts";
import { eventsOf } from "../../helpers/app.ts";
import { ownerMsg } from "../device/helpers.ts";
import {
  buyMsg,
  coin,
  DEVICE,
  expectFailure,
  FEE,
  getListing,
  hasAccess,
  listed,
  MARKET,
  marketMsg,
  POOL,
  responseOf,
  roles,
} from "./helpers.ts";

test("buy access: 80/10/10 split to the unit, grant, chained periods, HasAccess, grants queries", async (t) => {
  const { a, o1, seller, buyer } = await roles(t);
  const id = await listed(a, seller, { price: "1001", periodSeconds: 3600n });
  const sellerBefore = a.balance(seller);
  const buyerBefore = a.balance(buyer);
  const gatewayBefore = a.balance(o1);
  const poolBefore = a.balance(POOL);
  const result = await a.exec(buyer, [buyMsg(buyer, id, o1, 3)]);
  const time = a.lastTime();
  const response = responseOf(result, pb.MsgBuyAccessResponse);
  t.is(String(response.grantId), "1");
  t.is(String(response.startTime), String(time));
  t.is(String(response.endTime), String(time + 3n * 3600n));
  // 3003: gateway floor(300.3) = 300, platform 300, seller the rest 2403.
  t.is(a.balance(seller) - sellerBefore, 2403n);
  t.is(a.balance(o1) - gatewayBefore, 300n);
  t.is(a.balance(POOL) - poolBefore, 300n);
  t.is(buyerBefore - a.balance(buyer), 3003n + FEE);
  t.is(a.balance(MARKET), 10_000n, "purchases never pass through the module account");
  t.deepEqual(eventsOf(result.events, "sensorchain.market.v1.EventAccessBought")[0], {
    listing_id: "1",
    grant_id: "1",
    buyer,
    device_id: DEVICE,
    gateway: o1,
    seller,
    paid: "3003usensor",
    seller_share: "2403usensor",
    gateway_share: "300usensor",
    platform_share: "300usensor",
    start_time: String(time),
    end_time: String(time + 10_800n),
    msg_index: "0",
  });
  t.true(await hasAccess(a, buyer, time));
  t.true(await hasAccess(a, buyer, time + 10_799n));
  t.false(await hasAccess(a, buyer, time + 10_800n));
  t.false(await hasAccess(a, buyer, time - 1n));
  t.false(await hasAccess(a, seller, time));
  // A second purchase starts where the first ends.
  const again = responseOf(await a.exec(buyer, [buyMsg(buyer, id, o1, 1)]), pb.MsgBuyAccessResponse);
  t.is(String(again.startTime), String(time + 10_800n));
  t.is(String(again.endTime), String(time + 14_400n));
  t.true(await hasAccess(a, buyer, time + 10_800n));
  const access = await a.ask(
    "HasAccess",
    { deviceId: DEVICE, account: buyer, at: time + 12_000n },
    pb.QueryHasAccessResponse,
  );
  t.is(String(access.grant!.id), "2");
  const byBuyer = await a.ask("GrantsByBuyer", { buyer }, pb.QueryGrantsResponse);
  t.deepEqual(
    byBuyer.grants.map((g) => [String(g.id), g.gateway, g.paid!.amount]),
    [
      ["1", o1, "3003"],
      ["2", o1, "1001"],
    ],
  );
  t.is((await a.ask("GrantsByDevice", { deviceId: DEVICE }, pb.QueryGrantsResponse)).grants.length, 2);
  t.is((await a.ask("Grant", { grantId: 2n }, pb.QueryGrantResponse)).grant!.buyer, buyer);
  t.is(String((await getListing(a, id)).purchases), "2");
  expectFailure(t, await a.askFailure("Grant", { grantId: 9n }), 28);
  // HasAccess through the keeper (what the bridge calls) agrees.
  t.is((await a.market.accessAt(a.context(), DEVICE, buyer, time + 1n))?.id, 1n);
});

test("buy access failures", async (t) => {
  const { a, o1, o2, seller, buyer } = await roles(t);
  const id = await listed(a, seller);
  expectFailure(t, await a.exec(seller, [buyMsg(seller, id, o1)]), 16);
  expectFailure(
    t,
    await a.exec(buyer, [buyMsg(buyer, id, buyer)]),
    14,
    "market",
    /operates no current validator/,
  );
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, id, o1, 0)]), 15);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, id, o1, 10_001)]), 15);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, 7n, o1)]), 8);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, 0n, o1)]), 8);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, id, "sensor1xyz")]), 7, "sdk");
  // The seller moved the device away: the listing cannot sell it any more.
  await a.exec(seller, [ownerMsg("TransferDeviceOwnership", seller, DEVICE, { newOwner: o2 })]);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, id, o1)]), 26);
  await a.exec(o2, [ownerMsg("TransferDeviceOwnership", o2, DEVICE, { newOwner: seller })]);
  t.is((await a.exec(buyer, [buyMsg(buyer, id, o1)])).code, 0);
  await a.exec(seller, [ownerMsg("RetireDevice", seller, DEVICE)]);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, id, o1)]), 6);
});

test("update listing price: seller only, active only; purchases use the new price", async (t) => {
  const { a, o1, seller, buyer } = await roles(t);
  const id = await listed(a, seller);
  const result = await a.exec(seller, [
    marketMsg("UpdateListing", { seller, listingId: id, price: coin(50) }),
  ]);
  t.is(result.code, 0, result.log);
  t.deepEqual(eventsOf(result.events, "sensorchain.market.v1.EventListingUpdated")[0], {
    listing_id: "1",
    seller,
    price: "50usensor",
    previous_price: "1001usensor",
    msg_index: "0",
  });
  const before = a.balance(buyer);
  await a.exec(buyer, [buyMsg(buyer, id, o1, 2)]);
  t.is(before - a.balance(buyer), 100n + FEE);
  expectFailure(
    t,
    await a.exec(buyer, [marketMsg("UpdateListing", { seller: buyer, listingId: id, price: coin(1) })]),
    9,
  );
  expectFailure(
    t,
    await a.exec(seller, [
      marketMsg("UpdateListing", { seller, listingId: id, price: { denom: "x", amount: "1" } }),
    ]),
    3,
  );
  await a.exec(seller, [marketMsg("Delist", { seller, listingId: id })]);
  expectFailure(
    t,
    await a.exec(seller, [marketMsg("UpdateListing", { seller, listingId: id, price: coin(1) })]),
    10,
  );
});
