// Fixtures of the market tests: an app with auth + bank + poa (4 validators of power 10 operated by
// wallets 0-3) + device + market on the real store (temp LevelDB), txs signed by cosmjs with the
// project's client registry, and every module invariant checked after every block.
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { ExecutionContext } from "ava";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import type { ExecTxResult, FinalizeBlockResponse } from "../../../chain/app/abci.ts";
import { market as pb, Verdict } from "../../../client/index.ts";
import { moduleAddress } from "../../../modules/auth/keys.ts";
import { authModule } from "../../../modules/auth/module.ts";
import type { BankKeeper } from "../../../modules/bank/keeper.ts";
import { bankModule } from "../../../modules/bank/module.ts";
import { deviceModule } from "../../../modules/device/module.ts";
import type { MarketKeeper } from "../../../modules/market/keeper.ts";
import { marketModule } from "../../../modules/market/module.ts";
import { poaModule } from "../../../modules/poa/module.ts";
import type { ProtoEncoder } from "../../../proto/canonical.ts";
import {
  assertInvariants,
  DENOM,
  fundedBankGenesis,
  GENESIS_TIME,
  type QueryFailure,
  type SixAddresses,
  serviceQueries,
  wallets,
} from "../../helpers/app.ts";
import { registerMsg } from "../device/helpers.ts";
import { type PoaTestApp, startPoaApp, validatorJson } from "../poa/helpers.ts";

export const DEVICE = "D035_0001";
export const FUNDS = 1_000_000_000n;
/** Test params: the defaults but a 5-block cooldown, so tests need not run 100 empty blocks. */
export const PARAMS = {
  stake_denom: DENOM,
  min_listing_stake: "1000",
  min_challenge_stake: "100",
  challenge_threshold: 3,
  delist_cooldown_blocks: "5",
  gateway_bps: 1000,
  platform_bps: 1000,
  slash_platform_bps: 1000,
};

export interface MarketTestApp extends PoaTestApp {
  market: MarketKeeper;
  exec(from: string, msgs: EncodeObject[]): Promise<ExecTxResult>;
  balance(address: string, denom?: string): bigint;
  ask<T>(method: string, request: object, type: { decode(b: Uint8Array): T }): Promise<T>;
  askFailure(method: string, request: object): Promise<QueryFailure>;
  /** Unix seconds of the last committed block. */
  lastTime(): bigint;
}

const REQUESTS: Record<string, ProtoEncoder<object>> = {
  Listing: pb.QueryListingRequest,
  Listings: pb.QueryListingsRequest,
  ListingsBySeller: pb.QueryListingsBySellerRequest,
  ListingByDevice: pb.QueryListingByDeviceRequest,
  Grant: pb.QueryGrantRequest,
  GrantsByBuyer: pb.QueryGrantsByBuyerRequest,
  GrantsByDevice: pb.QueryGrantsByDeviceRequest,
  HasAccess: pb.QueryHasAccessRequest,
  Challenges: pb.QueryChallengesRequest,
  Disputes: pb.QueryDisputesRequest,
  DisputeVotes: pb.QueryDisputeVotesRequest,
  Params: pb.QueryParamsRequest,
};

export async function marketAppState(params: object = PARAMS): Promise<Record<string, unknown>> {
  const w = await wallets(6);
  return {
    bank: fundedBankGenesis(w.addresses.map((address) => [address, FUNDS])),
    poa: { validators: [0, 1, 2, 3].map((i) => validatorJson(`v${i}`, 10n, w.addresses[i]!)) },
    market: { params },
  };
}

export async function startMarketApp(
  t: ExecutionContext,
  options: { appState?: Record<string, unknown>; params?: object } = {},
): Promise<MarketTestApp> {
  const modules = [authModule(), bankModule(), poaModule(), deviceModule(), marketModule()];
  const appState = options.appState ?? (await marketAppState(options.params));
  const base = await startPoaApp(t, { modules, appState });
  const bank = modules[1]!.keeper as BankKeeper;
  const a = base as unknown as MarketTestApp;
  a.market = modules[4]!.keeper as MarketKeeper;
  const finalize = a.finalize.bind(a);
  a.finalize = async (txs = [], misbehavior = []): Promise<FinalizeBlockResponse> => {
    const response = await finalize(txs, misbehavior);
    await assertInvariants(a);
    return response;
  };
  a.exec = async (from, msgs) => (await a.run(from, msgs)).result;
  a.balance = (address, denom = DENOM) => bank.getBalance(a.context(), address, denom);
  a.lastTime = () => GENESIS_TIME.seconds + a.height;
  const queries = serviceQueries(a, "/sensorchain.market.v1.Query", REQUESTS);
  a.ask = queries.ask;
  a.askFailure = queries.failure;
  return a;
}

export const coin = (amount: bigint | number | string, denom = DENOM) => ({ denom, amount: String(amount) });

export const marketMsg = (verb: string, value: object): EncodeObject => ({
  typeUrl: `/sensorchain.market.v1.Msg${verb}`,
  value,
});

export function createMsg(
  seller: string,
  fields: { deviceId?: string; stake?: string; price?: string; periodSeconds?: bigint; denom?: string } = {},
): EncodeObject {
  return marketMsg("CreateListing", {
    seller,
    deviceId: fields.deviceId ?? DEVICE,
    stake: coin(fields.stake ?? "10000", fields.denom),
    price: coin(fields.price ?? "1001"),
    periodSeconds: fields.periodSeconds ?? 3600n,
  });
}

export const buyMsg = (buyer: string, listingId: bigint, gateway: string, periods = 1) =>
  marketMsg("BuyAccess", { buyer, listingId, periods, gateway });

export const challengeMsg = (
  challenger: string,
  listingId: bigint,
  stake: string | bigint = "100",
  reason = "stale data",
) => marketMsg("ChallengeListing", { challenger, listingId, stake: coin(stake), reason });

export const voteMsg = (arbiter: string, listingId: bigint, sellerWins: boolean) =>
  marketMsg("VoteDispute", {
    arbiter,
    listingId,
    verdict: sellerWins ? Verdict.VERDICT_SELLER_WINS : Verdict.VERDICT_CHALLENGERS_WIN,
  });

/** Registers DEVICE (or `deviceId`) owned by `owner`. */
export async function device(a: MarketTestApp, owner: string, deviceId = DEVICE): Promise<void> {
  const result = await a.exec(owner, [registerMsg(owner, deviceId)]);
  if (result.code !== 0) throw new Error(`register failed: ${result.log}`);
}

/** The first message response of a successful tx, decoded. */
export function responseOf<T>(result: ExecTxResult, type: { decode(b: Uint8Array): T }): T {
  if (result.code !== 0) throw new Error(`tx failed: ${result.log}`);
  return type.decode(TxMsgData.decode(result.data).msgResponses[0]!.value);
}

/** Registers DEVICE for `seller` and lists it; returns the listing id. */
export async function listed(
  a: MarketTestApp,
  seller: string,
  fields: Parameters<typeof createMsg>[1] = {},
): Promise<bigint> {
  await device(a, seller, fields.deviceId ?? DEVICE);
  const result = await a.exec(seller, [createMsg(seller, fields)]);
  return BigInt(responseOf(result, pb.MsgCreateListingResponse).listingId.toString());
}

export function expectFailure(
  t: ExecutionContext,
  result: { code: number; codespace: string; log: string },
  code: number,
  codespace = "market",
  log?: RegExp,
) {
  t.is(result.code, code, result.log);
  t.is(result.codespace, codespace, result.log);
  if (log !== undefined) t.regex(result.log, log);
}

/** Every test tx pays this fee (fee(10_000, 400_000) above). */
export const FEE = 10_000n;
export const MARKET = moduleAddress("market");
export const POOL = moduleAddress("escrow_platform_pool");

/** A market app and its roles: operators o0-o3 (the validators), a seller and a buyer. */
export async function roles(t: ExecutionContext) {
  const a = await startMarketApp(t);
  const [o0, o1, o2, o3, seller, buyer] = a.w.addresses as SixAddresses;
  return { a, o0, o1, o2, o3, seller, buyer };
}

export async function getListing(a: MarketTestApp, listingId: bigint) {
  return (await a.ask("Listing", { listingId }, pb.QueryListingResponse)).listing!;
}

export async function hasAccess(a: MarketTestApp, account: string, at: bigint, deviceId = DEVICE) {
  return (await a.ask("HasAccess", { deviceId, account, at }, pb.QueryHasAccessResponse)).hasAccess;
}

/** A listing with stake 10000 bought by buyer, o0 and o2 (gateway o1). */
export async function boughtListing(t: ExecutionContext) {
  const r = await roles(t);
  const id = await listed(r.a, r.seller);
  for (const who of [r.buyer, r.o0, r.o2]) {
    const result = await r.a.exec(who, [buyMsg(who, id, r.o1)]);
    if (result.code !== 0) throw new Error(result.log);
  }
  return { ...r, id };
}
