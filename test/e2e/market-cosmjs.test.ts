// Acceptance: the market module through an unmodified cosmjs SigningStargateClient using the
// project's exported registry, against a real node process whose single validator is operated by the
// arbiter (all the power): list, buy (the 80/10/10 split checked to the unit on every party), access
// query, two challenges opening a dispute (threshold 2 in this genesis), the arbiter's vote resolving
// it for the challengers, and the listing proven gone.
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import {
  assertIsDeliverTxSuccess,
  type DeliverTxResponse,
  type SigningStargateClient,
} from "@cosmjs/stargate";
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import {
  createRegistry,
  KeyType,
  MSG_BUY_ACCESS,
  MSG_CHALLENGE_LISTING,
  MSG_CREATE_LISTING,
  MSG_REGISTER_DEVICE,
  MSG_VOTE_DISPUTE,
  market as pb,
  QUERY_MARKET_HAS_ACCESS,
  QUERY_MARKET_LISTING,
  QUERY_MARKET_LISTINGS,
  Verdict,
} from "../../client/index.ts";
import { moduleAddress } from "../../modules/auth/keys.ts";
import { toLong } from "../../proto/canonical.ts";
import { editGenesis, operateOnlyValidator } from "../helpers/genesis-file.ts";
import {
  abciQuery as abciQueryAt,
  DENOM,
  faucetWallet,
  nodePerFile,
  rpc,
  signingClients,
} from "../helpers/node-process.ts";

/** Operates the node's only validator: the gateway of purchases and the arbiter with all the power. */
let arbiter: { wallet: DirectSecp256k1HdWallet; address: string };

async function wallet() {
  const w = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  const [account] = await w.getAccounts();
  return { wallet: w, address: account!.address };
}

const chain = nodePerFile(test, {
  async prepare(home) {
    arbiter = await wallet();
    await editGenesis(home.home, (genesis) => {
      operateOnlyValidator(genesis, arbiter.address, "arbiter");
      genesis.app_state.market = {
        params: {
          stake_denom: DENOM,
          min_listing_stake: "1000",
          min_challenge_stake: "100",
          challenge_threshold: 2,
          delist_cooldown_blocks: "5",
          gateway_bps: 1000,
          platform_bps: 1000,
          slash_platform_bps: 1000,
        },
      };
    });
  },
});

const FEE_AMOUNT = 10_000n;
const FEE = { amount: [{ denom: DENOM, amount: String(FEE_AMOUNT) }], gas: "400000" };

/** A query's code, and its answer decoded when it succeeded. */
async function abciQuery<T>(path: string, request: Uint8Array, type: { decode(bytes: Uint8Array): T }) {
  const { code, value } = await abciQueryAt(chain.node.rpcUrl, path, request);
  return { code, value: code === 0 ? type.decode(value) : undefined };
}

test.serial("list, buy (80/10/10 to the unit), challenge → dispute → arbiter resolves", async (t) => {
  const options = { registry: createRegistry(), broadcastPollIntervalMs: 200 };
  const { wallet: faucet, address: funder } = await faucetWallet();
  const seller = await wallet();
  const buyerA = await wallet();
  const buyerB = await wallet();
  const connect = signingClients(t, chain.node.rpcUrl, options);
  const funderClient = await connect(faucet);
  for (const address of [seller.address, buyerA.address, buyerB.address, arbiter.address])
    assertIsDeliverTxSuccess(
      await funderClient.sendTokens(funder, address, [{ denom: DENOM, amount: "1000000" }], FEE),
    );
  const sellerClient = await connect(seller.wallet);
  const aClient = await connect(buyerA.wallet);
  const bClient = await connect(buyerB.wallet);
  const arbiterClient = await connect(arbiter.wallet);
  const pool = moduleAddress("escrow_platform_pool");
  const marketAccount = moduleAddress("market");
  const balance = async (address: string) => BigInt((await funderClient.getBalance(address, DENOM)).amount);
  const send = async (client: SigningStargateClient, from: string, typeUrl: string, value: object) => {
    const result: DeliverTxResponse = await client.signAndBroadcast(from, [{ typeUrl, value }], FEE);
    assertIsDeliverTxSuccess(result);
    return result;
  };

  const deviceId = "D035_0042";
  const key = ed25519.getPublicKey(new Uint8Array(32).fill(42));
  await send(sellerClient, seller.address, MSG_REGISTER_DEVICE, {
    owner: seller.address,
    deviceId,
    publicKey: { type: KeyType.KEY_TYPE_ED25519, key },
    metadata: { model: "meter", unit: "kWh", locationHint: "Lyon, FR" },
  });
  const sellerStart = await balance(seller.address);
  await send(sellerClient, seller.address, MSG_CREATE_LISTING, {
    seller: seller.address,
    deviceId,
    stake: { denom: DENOM, amount: "10000" },
    price: { denom: DENOM, amount: "1001" },
    periodSeconds: 60n,
  });
  t.is(await balance(seller.address), sellerStart - 10_000n - FEE_AMOUNT);
  t.is(await balance(marketAccount), 10_000n);
  const listings = await abciQuery(
    QUERY_MARKET_LISTINGS,
    pb.QueryListingsRequest.encode({}).finish(),
    pb.QueryListingsResponse,
  );
  const listingId = BigInt(listings.value!.listings[0]!.id!.toString());

  const before = {
    seller: await balance(seller.address),
    gateway: await balance(arbiter.address),
    pool: await balance(pool),
    buyer: await balance(buyerA.address),
  };
  const bought = await send(aClient, buyerA.address, MSG_BUY_ACCESS, {
    buyer: buyerA.address,
    listingId,
    periods: 3,
    gateway: arbiter.address,
  });
  // 3 × 1001 = 3003: gateway floor(300.3) = 300, platform 300, seller the rest 2403.
  t.is((await balance(seller.address)) - before.seller, 2403n);
  t.is((await balance(arbiter.address)) - before.gateway, 300n);
  t.is((await balance(pool)) - before.pool, 300n);
  t.is(before.buyer - (await balance(buyerA.address)), 3003n + FEE_AMOUNT);
  const blockTime = BigInt(
    Math.floor(
      Date.parse(
        (await rpc(chain.node.rpcUrl, "block", { height: String(bought.height) })).result.block.header.time,
      ) / 1000,
    ),
  );
  const access = await abciQuery(
    QUERY_MARKET_HAS_ACCESS,
    pb.QueryHasAccessRequest.encode({
      deviceId,
      account: buyerA.address,
      at: toLong(blockTime + 179n),
    }).finish(),
    pb.QueryHasAccessResponse,
  );
  t.true(access.value!.hasAccess);
  const after = await abciQuery(
    QUERY_MARKET_HAS_ACCESS,
    pb.QueryHasAccessRequest.encode({
      deviceId,
      account: buyerA.address,
      at: toLong(blockTime + 180n),
    }).finish(),
    pb.QueryHasAccessResponse,
  );
  t.false(after.value!.hasAccess);

  await send(bClient, buyerB.address, MSG_BUY_ACCESS, {
    buyer: buyerB.address,
    listingId,
    periods: 1,
    gateway: arbiter.address,
  });
  const aBefore = await balance(buyerA.address);
  const bBefore = await balance(buyerB.address);
  const poolBefore = await balance(pool);
  const challenge = (client: SigningStargateClient, from: string, amount: string) =>
    send(client, from, MSG_CHALLENGE_LISTING, {
      challenger: from,
      listingId,
      stake: { denom: DENOM, amount },
      reason: "readings frozen since Monday",
    });
  await challenge(aClient, buyerA.address, "100");
  const opened = await challenge(bClient, buyerB.address, "300");
  t.true(opened.events.some((event) => event.type === "sensorchain.market.v1.EventDisputeOpened"));
  t.is(await balance(marketAccount), 10_400n);
  const vote = await send(arbiterClient, arbiter.address, MSG_VOTE_DISPUTE, {
    arbiter: arbiter.address,
    listingId,
    verdict: Verdict.VERDICT_CHALLENGERS_WIN,
  });
  t.true(vote.events.some((event) => event.type === "sensorchain.market.v1.EventDisputeResolved"));
  // Pot 10000: pool 1000; 9000 × 100/400 = 2250 to A, × 300/400 = 6750 to B; no dust.
  t.is((await balance(buyerA.address)) - aBefore, 2250n - FEE_AMOUNT);
  t.is((await balance(buyerB.address)) - bBefore, 6750n - FEE_AMOUNT);
  t.is((await balance(pool)) - poolBefore, 1000n);
  t.is(await balance(marketAccount), 0n);
  const gone = await abciQuery(
    QUERY_MARKET_LISTING,
    pb.QueryListingRequest.encode({ listingId: toLong(listingId) }).finish(),
    pb.QueryListingResponse,
  );
  t.is(gone.code, 8);
});
