// gRPC-style queries of the market module (abci_query "/sensorchain.market.v1.Query/<Method>").
// Each reads committed state at the asked height; raw keys are also readable with proofs through
// "/store/market/key" (README.md, State).
import { decodeGrpcRequest } from "../../chain/app/grpc.ts";
import type { QueryContext, QueryHandler } from "../../chain/app/module.ts";
import { paginate } from "../../chain/app/pagination.ts";
import { encodeCanonical } from "../../proto/canonical.ts";
import type { sensorchain } from "../../proto/gen/market.js";
import { type DecodedPageRequest, pageRequest, pageResponse, toBigInt } from "../proto-values.ts";
import { DEFAULT_PARAMS, paramsToProto, pb } from "./codec.ts";
import { marketError } from "./errors.ts";
import {
  accessKey,
  accessPrefix,
  buyerGrantPrefix,
  challengePrefix,
  DISPUTE_PREFIX,
  decodeUint64,
  deviceIndexKey,
  grantKey,
  listingKey,
  PARAMS_KEY,
  prefixEnd,
  RANK_PREFIX,
  STORE_NAME,
  sellerPrefix,
  votePrefix,
} from "./keys.ts";
import { checkAddress, checkDeviceId, checkId } from "./validation.ts";

/** The last 8 bytes of an index key: the listing or grant id it names. */
const idAtEnd = (key: Uint8Array) => decodeUint64(key.subarray(key.length - 8));

/** A page of the records an index under `prefix` names (its keys end with their ids), each loaded from
 * its record key. */
async function indexedPage<T>(
  ctx: QueryContext,
  prefix: Uint8Array,
  page: DecodedPageRequest | null | undefined,
  key: (id: bigint) => Uint8Array,
  decode: (bytes: Uint8Array) => T,
): Promise<{ records: T[]; pagination: ReturnType<typeof pageResponse> }> {
  const store = ctx.store(STORE_NAME);
  const ids: bigint[] = [];
  const response = await paginate(store, prefix, pageRequest(page), (suffix) => ids.push(idAtEnd(suffix)));
  const records: T[] = [];
  for (const id of ids) {
    const bytes = await store.get(key(id));
    if (bytes === undefined) throw new Error(`market index names ${id}, which is not stored`);
    records.push(decode(bytes));
  }
  return { records, pagination: pageResponse(response) };
}

async function listingPage(
  ctx: QueryContext,
  prefix: Uint8Array,
  page: DecodedPageRequest | null | undefined,
): Promise<Uint8Array> {
  const { records, pagination } = await indexedPage(ctx, prefix, page, listingKey, (b) =>
    pb.Listing.decode(b),
  );
  return encodeCanonical(pb.QueryListingsResponse, { listings: records, pagination });
}

async function grantPage(
  ctx: QueryContext,
  prefix: Uint8Array,
  page: DecodedPageRequest | null | undefined,
): Promise<Uint8Array> {
  const { records, pagination } = await indexedPage(ctx, prefix, page, grantKey, (b) =>
    pb.AccessGrant.decode(b),
  );
  return encodeCanonical(pb.QueryGrantsResponse, { grants: records, pagination });
}

async function listingById(ctx: QueryContext, id: bigint): Promise<Uint8Array> {
  const bytes = await ctx.store(STORE_NAME).get(listingKey(id));
  if (bytes === undefined) throw marketError("listingNotFound", `listing ${id}`);
  return encodeCanonical(pb.QueryListingResponse, { listing: pb.Listing.decode(bytes) });
}

const listing: QueryHandler = (ctx, data) =>
  listingById(ctx, checkId(decodeGrpcRequest(pb.QueryListingRequest, data).listingId, "listing_id"));

const listings: QueryHandler = (ctx, data) =>
  listingPage(ctx, Uint8Array.of(RANK_PREFIX), decodeGrpcRequest(pb.QueryListingsRequest, data).pagination);

const listingsBySeller: QueryHandler = (ctx, data) => {
  const request = decodeGrpcRequest(pb.QueryListingsBySellerRequest, data);
  return listingPage(ctx, sellerPrefix(checkAddress(request.seller, "seller")), request.pagination);
};

const listingByDevice: QueryHandler = async (ctx, data) => {
  const deviceId = checkDeviceId(decodeGrpcRequest(pb.QueryListingByDeviceRequest, data).deviceId);
  const id = await ctx.store(STORE_NAME).get(deviceIndexKey(deviceId));
  if (id === undefined) throw marketError("listingNotFound", `no listing of device ${deviceId}`);
  return listingById(ctx, decodeUint64(id));
};

const grant: QueryHandler = async (ctx, data) => {
  const id = toBigInt(decodeGrpcRequest(pb.QueryGrantRequest, data).grantId);
  const bytes = await ctx.store(STORE_NAME).get(grantKey(id));
  if (bytes === undefined) throw marketError("grantNotFound", `grant ${id}`);
  return encodeCanonical(pb.QueryGrantResponse, { grant: pb.AccessGrant.decode(bytes) });
};

const grantsByBuyer: QueryHandler = (ctx, data) => {
  const request = decodeGrpcRequest(pb.QueryGrantsByBuyerRequest, data);
  return grantPage(ctx, buyerGrantPrefix(checkAddress(request.buyer, "buyer")), request.pagination);
};

const grantsByDevice: QueryHandler = (ctx, data) => {
  const request = decodeGrpcRequest(pb.QueryGrantsByDeviceRequest, data);
  return grantPage(ctx, accessPrefix(checkDeviceId(request.deviceId)), request.pagination);
};

/** Same rule as MarketKeeper.accessAt, over committed state. */
const hasAccess: QueryHandler = async (ctx, data) => {
  const request = decodeGrpcRequest(pb.QueryHasAccessRequest, data);
  const deviceId = checkDeviceId(request.deviceId);
  const account = checkAddress(request.account, "account");
  const at = toBigInt(request.at);
  const store = ctx.store(STORE_NAME);
  if (at >= 0n) {
    const prefix = accessPrefix(deviceId, account);
    const start = accessKey(deviceId, account, at + 1n, 0n);
    for await (const [key] of store.iterate({ start, end: prefixEnd(prefix)!, limit: 1 })) {
      const bytes = await store.get(grantKey(idAtEnd(key)));
      if (bytes === undefined) throw new Error("market access index names a missing grant");
      const found = pb.AccessGrant.decode(bytes);
      if (toBigInt(found.startTime) <= at)
        return encodeCanonical(pb.QueryHasAccessResponse, { hasAccess: true, grant: found });
    }
  }
  return encodeCanonical(pb.QueryHasAccessResponse, { hasAccess: false });
};

const challenges: QueryHandler = async (ctx, data) => {
  const request = decodeGrpcRequest(pb.QueryChallengesRequest, data);
  const prefix = challengePrefix(checkId(request.listingId, "listing_id"));
  const list: sensorchain.market.v1.IChallenge[] = [];
  const page = await paginate(ctx.store(STORE_NAME), prefix, pageRequest(request.pagination), (_, value) =>
    list.push(pb.Challenge.decode(value)),
  );
  return encodeCanonical(pb.QueryChallengesResponse, { challenges: list, pagination: pageResponse(page) });
};

const disputes: QueryHandler = async (ctx, data) => {
  const request = decodeGrpcRequest(pb.QueryDisputesRequest, data);
  const list: sensorchain.market.v1.IDispute[] = [];
  const page = await paginate(
    ctx.store(STORE_NAME),
    Uint8Array.of(DISPUTE_PREFIX),
    pageRequest(request.pagination),
    (_, value) => list.push(pb.Dispute.decode(value)),
  );
  return encodeCanonical(pb.QueryDisputesResponse, { disputes: list, pagination: pageResponse(page) });
};

const disputeVotes: QueryHandler = async (ctx, data) => {
  const id = checkId(decodeGrpcRequest(pb.QueryDisputeVotesRequest, data).listingId, "listing_id");
  const prefix = votePrefix(id);
  const votes: sensorchain.market.v1.IDisputeVote[] = [];
  for await (const [, value] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
    votes.push(pb.DisputeVote.decode(value));
  return encodeCanonical(pb.QueryDisputeVotesResponse, { votes });
};

const params: QueryHandler = async (ctx) => {
  const bytes = await ctx.store(STORE_NAME).get(PARAMS_KEY);
  const value = bytes === undefined ? paramsToProto(DEFAULT_PARAMS) : pb.Params.decode(bytes);
  return encodeCanonical(pb.QueryParamsResponse, { params: value });
};

export const marketQueries: Record<string, QueryHandler> = {
  "/sensorchain.market.v1.Query/Listing": listing,
  "/sensorchain.market.v1.Query/Listings": listings,
  "/sensorchain.market.v1.Query/ListingsBySeller": listingsBySeller,
  "/sensorchain.market.v1.Query/ListingByDevice": listingByDevice,
  "/sensorchain.market.v1.Query/Grant": grant,
  "/sensorchain.market.v1.Query/GrantsByBuyer": grantsByBuyer,
  "/sensorchain.market.v1.Query/GrantsByDevice": grantsByDevice,
  "/sensorchain.market.v1.Query/HasAccess": hasAccess,
  "/sensorchain.market.v1.Query/Challenges": challenges,
  "/sensorchain.market.v1.Query/Disputes": disputes,
  "/sensorchain.market.v1.Query/DisputeVotes": disputeVotes,
  "/sensorchain.market.v1.Query/Params": params,
};
