// x/auth gRPC queries: Account, Accounts, Params, ModuleAccountByName.
import {
  QueryAccountRequest,
  QueryAccountResponse,
  QueryAccountsRequest,
  QueryAccountsResponse,
  QueryModuleAccountByNameRequest,
  QueryModuleAccountByNameResponse,
  QueryParamsResponse,
} from "cosmjs-types/cosmos/auth/v1beta1/query";
import { Any } from "cosmjs-types/google/protobuf/any";
import { decodeGrpcRequest } from "../../chain/app/grpc.ts";
import type { QueryContext, QueryHandler } from "../../chain/app/module.ts";
import { paginate } from "../../chain/app/pagination.ts";
import { isValidAddress } from "../../chain/crypto/bech32.ts";
import { decodeParams } from "./codec.ts";
import { accountNotFound, invalidAddress, moduleAccountNotFound } from "./errors.ts";
import { DEFAULT_AUTH_PARAMS } from "./keeper.ts";
import { ACCOUNT_PREFIX, accountKey, moduleAddress, PARAMS_KEY, STORE_NAME } from "./keys.ts";

async function account(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const { address } = decodeGrpcRequest(QueryAccountRequest, data);
  if (!isValidAddress(address)) throw invalidAddress(address, "decoding bech32 failed");
  const stored = await ctx.store(STORE_NAME).get(accountKey(address));
  if (stored === undefined) throw accountNotFound(address);
  return QueryAccountResponse.encode({ account: Any.decode(stored) }).finish();
}

/** Every account (base and module accounts), in the order of their address bytes, one page at a time. */
async function accounts(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(QueryAccountsRequest, data);
  const found: Any[] = [];
  const pagination = await paginate(
    ctx.store(STORE_NAME),
    Uint8Array.of(ACCOUNT_PREFIX),
    request.pagination,
    (_address, value) => {
      found.push(Any.decode(value));
    },
  );
  return QueryAccountsResponse.encode({ accounts: found, pagination }).finish();
}

async function params(ctx: QueryContext): Promise<Uint8Array> {
  const stored = await ctx.store(STORE_NAME).get(PARAMS_KEY);
  const value = stored === undefined ? DEFAULT_AUTH_PARAMS : decodeParams(stored);
  return QueryParamsResponse.encode({ params: value }).finish();
}

async function moduleAccountByName(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const { name } = decodeGrpcRequest(QueryModuleAccountByNameRequest, data);
  const stored = await ctx.store(STORE_NAME).get(accountKey(moduleAddress(name)));
  if (stored === undefined) throw moduleAccountNotFound(name);
  return QueryModuleAccountByNameResponse.encode({ account: Any.decode(stored) }).finish();
}

export const authQueries: Record<string, QueryHandler> = {
  "/cosmos.auth.v1beta1.Query/Account": account,
  "/cosmos.auth.v1beta1.Query/Accounts": accounts,
  "/cosmos.auth.v1beta1.Query/Params": params,
  "/cosmos.auth.v1beta1.Query/ModuleAccountByName": moduleAccountByName,
};
