// gRPC-style queries of the identity module (abci_query "/sensorchain.identity.v1.Query/<Method>").
// Each reads committed state at the asked height; raw keys are also readable with proofs through
// "/store/identity/key" (README.md, State): owner index → token id → token.
import { decodeGrpcRequest } from "../../chain/app/grpc.ts";
import type { QueryContext, QueryHandler, QueryStore } from "../../chain/app/module.ts";
import { paginate } from "../../chain/app/pagination.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { pageRequest, pageResponse } from "../proto-values.ts";
import { decodeParams, pb } from "./codec.ts";
import { identityError } from "./errors.ts";
import {
  cidIndexKey,
  decodeTokenId,
  ownerIndexKey,
  PARAMS_KEY,
  prefixEnd,
  STORE_NAME,
  TOKEN_PREFIX,
  tokenKey,
  votePrefix,
} from "./keys.ts";
import {
  QUERY_IDENTITY_PARAMS,
  QUERY_IDENTITY_TOKEN,
  QUERY_IDENTITY_TOKEN_BY_CID,
  QUERY_IDENTITY_TOKEN_BY_OWNER,
  QUERY_IDENTITY_TOKENS,
  QUERY_IDENTITY_VOTES,
} from "./type-urls.ts";
import { checkAddress, checkCid, checkTokenId } from "./validation.ts";

/** The token an index entry names, answered as QueryTokenResponse; tokenNotFound without entry. */
async function tokenAt(store: QueryStore, id: bigint | undefined, what: string): Promise<Uint8Array> {
  if (id === undefined) throw identityError("tokenNotFound", what);
  const bytes = await store.get(tokenKey(id));
  if (bytes === undefined) throw identityError("tokenNotFound", what);
  return encodeCanonical(pb.QueryTokenResponse, { token: pb.IdentityToken.decode(bytes) });
}

async function indexed(store: QueryStore, key: Uint8Array): Promise<bigint | undefined> {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : decodeTokenId(bytes);
}

async function token(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryTokenRequest, data);
  const id = checkTokenId(request.tokenId);
  return tokenAt(ctx.store(STORE_NAME), id, `token ${id}`);
}

async function tokenByOwner(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryTokenByOwnerRequest, data);
  const owner = checkAddress(request.owner, "owner");
  const store = ctx.store(STORE_NAME);
  return tokenAt(store, await indexed(store, ownerIndexKey(owner)), `${owner} holds no identity token`);
}

async function tokenByCid(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryTokenByCidRequest, data);
  const bytes = checkCid(request.cid, "cid");
  const store = ctx.store(STORE_NAME);
  return tokenAt(store, await indexed(store, cidIndexKey(bytes)), `no token has profile ${request.cid}`);
}

async function tokens(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryTokensRequest, data);
  const list: InstanceType<typeof pb.IdentityToken>[] = [];
  const page = await paginate(
    ctx.store(STORE_NAME),
    Uint8Array.of(TOKEN_PREFIX),
    pageRequest(request.pagination),
    (_key, value) => {
      list.push(pb.IdentityToken.decode(value));
    },
  );
  return encodeCanonical(pb.QueryTokensResponse, { tokens: list, pagination: pageResponse(page) });
}

async function votes(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryVotesRequest, data);
  const id = checkTokenId(request.tokenId);
  const list: InstanceType<typeof pb.Vote>[] = [];
  // Bounded by the operator count (one vote per operator and action).
  const prefix = votePrefix(id);
  for await (const [, value] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
    list.push(pb.Vote.decode(value));
  return encodeCanonical(pb.QueryVotesResponse, { votes: list });
}

async function params(ctx: QueryContext): Promise<Uint8Array> {
  const bytes = await ctx.store(STORE_NAME).get(PARAMS_KEY);
  const value = bytes === undefined ? { consortiumOperators: [] } : decodeParams(bytes);
  return encodeCanonical(pb.QueryParamsResponse, {
    params: {
      consortiumOperators: value.consortiumOperators.map((operator) => ({
        address: operator.address,
        power: toLong(operator.power),
      })),
    },
  });
}

export const identityQueries: Record<string, QueryHandler> = {
  [QUERY_IDENTITY_TOKEN]: token,
  [QUERY_IDENTITY_TOKEN_BY_OWNER]: tokenByOwner,
  [QUERY_IDENTITY_TOKEN_BY_CID]: tokenByCid,
  [QUERY_IDENTITY_TOKENS]: tokens,
  [QUERY_IDENTITY_VOTES]: votes,
  [QUERY_IDENTITY_PARAMS]: params,
};
