// `sensorchain tx market create|update|increase-stake|buy|challenge|vote|delist|withdraw` as real CLI
// processes against one real node whose validator the faucet operates (the gateway and the arbiter
// with all the power; genesis: one challenge opens a dispute, a 2-block delist cooldown). Each verb
// commits and `sensorchain query market …` shows its effect; each is refused once with the market
// module's code (modules/market/README.md, Failures) and the query after it shows nothing changed.
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import { rpc } from "../helpers/node-process.ts";
import { type CliAccount, CliNode, DENOM, newCliAccount } from "./cli-helpers.ts";

const DEVICE = "E036_0071";
const FAUCET_DEVICE = "E036_0072";
let chain: CliNode;
let seller: CliAccount;
let buyer: CliAccount;
let stranger: CliAccount;

test.before(async () => {
  seller = await newCliAccount("seller");
  buyer = await newCliAccount("buyer");
  stranger = await newCliAccount("stranger");
  chain = await CliNode.start([seller, buyer, stranger], (genesis) => {
    genesis.app_state.market = {
      params: {
        stake_denom: DENOM,
        min_listing_stake: "1000",
        min_challenge_stake: "100",
        challenge_threshold: 1,
        delist_cooldown_blocks: "2",
        gateway_bps: 1000,
        platform_bps: 1000,
        slash_platform_bps: 1000,
      },
    };
  });
});

test.after.always(async () => {
  await chain?.stop();
});

const listing = async () => (await chain.query(["market", "listing", "1"])).listing;
const balance = async (address: string) =>
  BigInt(
    (await chain.query(["bank", "balances", address])).balances.find(
      (coin: { denom: string }) => coin.denom === DENOM,
    )?.amount ?? "0",
  );
const FEE = 20_000n;

test("create, update, increase-stake, buy, challenge, vote, delist, withdraw; each refused once", async (t) => {
  t.timeout(300_000);
  const pubkey = (seed: number) =>
    Buffer.from(ed25519.getPublicKey(new Uint8Array(32).fill(seed))).toString("hex");
  const register = ["device", "register"];
  await chain.tx(t, [...register, "seller", DEVICE, "--key-type", "ed25519", "--pubkey", pubkey(71)]);
  await chain.tx(t, [...register, "faucet", FAUCET_DEVICE, "--key-type", "ed25519", "--pubkey", pubkey(72)]);

  // create: not the owner of the device (5); then listing 1 with a 1000 stake.
  const create = ["--stake", "1000usensor", "--price", "100usensor", "--period", "3600"];
  await chain.refused(t, ["market", "create", "seller", FAUCET_DEVICE, ...create], 5, "market");
  t.deepEqual((await chain.query(["market", "by-seller", seller.address])).listings, []);
  await chain.tx(t, ["market", "create", "seller", DEVICE, ...create]);
  t.like(await listing(), {
    id: "1",
    seller: seller.address,
    device_id: DEVICE,
    stake: { denom: DENOM, amount: "1000" },
    price: { denom: DENOM, amount: "100" },
    status: "LISTING_STATUS_ACTIVE",
  });

  // update: only the seller (9); then the price is 200.
  await chain.refused(t, ["market", "update", "buyer", "1", "--price", "1usensor"], 9, "market");
  t.is((await listing()).price.amount, "100");
  await chain.tx(t, ["market", "update", "seller", "1", "--price", "200usensor"]);
  t.is((await listing()).price.amount, "200");

  // increase-stake: only in the stake denom (13); then 1000 + 500.
  await chain.refused(t, ["market", "increase-stake", "seller", "1", "500uother"], 13, "market");
  t.is((await listing()).stake.amount, "1000");
  await chain.tx(t, ["market", "increase-stake", "seller", "1", "500usensor"]);
  t.is((await listing()).stake.amount, "1500");

  // buy: the gateway must operate a validator (14); then a grant covering now, 200 paid.
  await chain.refused(t, ["market", "buy", "buyer", "1", "--gateway", stranger.address], 14, "market");
  // Periods above uint32 and ids above 2^64 - 1 are refused, not wrapped (to 1 period, listing 1).
  const gateway = ["--gateway", chain.faucet.address];
  await chain.refusedByCli(
    t,
    ["market", "buy", "buyer", "1", ...gateway, "--periods", "4294967297"],
    /--periods/,
  );
  await chain.refusedByCli(t, ["market", "delist", "seller", (2n ** 64n + 1n).toString()], /listing id/);
  t.like(await listing(), { status: "LISTING_STATUS_ACTIVE" });
  t.is((await listing()).purchases ?? "0", "0");
  const buyerBefore = await balance(buyer.address);
  await chain.tx(t, ["market", "buy", "buyer", "1", "--gateway", chain.faucet.address]);
  t.is(await balance(buyer.address), buyerBefore - 200n - FEE);
  const now = String(Math.floor(Date.now() / 1000));
  t.like(await chain.query(["market", "has-access", DEVICE, buyer.address, now]), {
    has_access: true,
    grant: { buyer: buyer.address, device_id: DEVICE, gateway: chain.faucet.address },
  });

  // challenge: only a buyer of the listing (17); the buyer's challenge opens the dispute (threshold 1).
  await chain.refused(t, ["market", "challenge", "stranger", "1", "100usensor"], 17, "market");
  t.is((await listing()).disputed ?? false, false);
  await chain.tx(t, ["market", "challenge", "buyer", "1", "100usensor", "--reason", "no data"]);
  t.like(await listing(), { disputed: true, open_challenges: 1 });
  t.is((await chain.query(["market", "disputes"])).disputes.length, 1);

  // vote: only a validator operator (20); the faucet's vote (all the power) resolves for the seller,
  // who gets the challenge stake less the platform's 10%.
  await chain.refused(t, ["market", "vote", "stranger", "1", "challengers"], 20, "market");
  t.is((await chain.query(["market", "disputes"])).disputes.length, 1);
  const sellerBefore = await balance(seller.address);
  await chain.tx(t, ["market", "vote", "faucet", "1", "seller"]);
  t.deepEqual((await chain.query(["market", "disputes"])).disputes, []);
  t.is((await listing()).disputed ?? false, false);
  t.is(await balance(seller.address), sellerBefore + 90n);

  // withdraw: not before a delist (24); delist: an unknown listing (8); then delist and, after the
  // cooldown, withdraw: the 1500 stake back and the listing gone.
  await chain.refused(t, ["market", "withdraw", "seller", "1"], 24, "market");
  await chain.refused(t, ["market", "delist", "seller", "99"], 8, "market");
  t.is((await listing()).status, "LISTING_STATUS_ACTIVE");
  await chain.tx(t, ["market", "delist", "seller", "1"]);
  const delisted = await listing();
  t.is(delisted.status, "LISTING_STATUS_DELISTING");
  for (;;) {
    const status = await rpc(chain.node.rpcUrl, "status");
    if (BigInt(status.result.sync_info.latest_block_height) >= BigInt(delisted.withdraw_height)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const beforeWithdraw = await balance(seller.address);
  await chain.tx(t, ["market", "withdraw", "seller", "1"]);
  t.is(await balance(seller.address), beforeWithdraw + 1500n - FEE);
  t.deepEqual((await chain.query(["market", "by-seller", seller.address])).listings, []);
});
