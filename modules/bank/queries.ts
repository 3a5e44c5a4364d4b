// x/bank gRPC queries: Balance, AllBalances, SpendableBalances, TotalSupply, SupplyOf, Params,
// DenomMetadata, DenomsMetadata.

import { Metadata, Params } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
  QueryDenomMetadataRequest,
  QueryDenomMetadataResponse,
  QueryDenomsMetadataRequest,
  QueryDenomsMetadataResponse,
  QueryParamsResponse,
  QuerySpendableBalancesRequest,
  QuerySpendableBalancesResponse,
  QuerySupplyOfRequest,
  QuerySupplyOfResponse,
  QueryTotalSupplyRequest,
  QueryTotalSupplyResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { isValidDenom } from "../../chain/app/coins.ts";
import { sdkError } from "../../chain/app/errors.ts";
import { decodeGrpcRequest } from "../../chain/app/grpc.ts";
import type { QueryContext, QueryHandler } from "../../chain/app/module.ts";
import { paginate } from "../../chain/app/pagination.ts";
import { decodeAddress } from "../../chain/crypto/bech32.ts";
import {
  addressBalancesPrefix,
  balanceKey,
  DENOM_METADATA_PREFIX,
  decodeAmount,
  denomKey,
  PARAMS_KEY,
  STORE_NAME,
  SUPPLY_PREFIX,
} from "./keys.ts";

const decoder = new TextDecoder();

function addressBytes(address: string): Uint8Array {
  if (address === "") throw sdkError("invalidAddress", "empty address string is not allowed");
  try {
    return decodeAddress(address);
  } catch (error) {
    throw sdkError("invalidAddress", (error as Error).message);
  }
}

function checkDenom(denom: string): void {
  if (!isValidDenom(denom)) throw sdkError("invalidCoins", `invalid denom: ${JSON.stringify(denom)}`);
}

/** Always returns a coin, amount "0" when there is no balance (cosmjs asserts it is set). */
async function balance(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(QueryBalanceRequest, data);
  addressBytes(request.address);
  checkDenom(request.denom);
  const stored = await ctx.store(STORE_NAME).get(balanceKey(request.address, request.denom));
  const amount = stored === undefined ? "0" : decoder.decode(stored);
  return QueryBalanceResponse.encode({ balance: { denom: request.denom, amount } }).finish();
}

/** One page of an account's balances, sorted by denom. */
async function balancesPage(
  ctx: QueryContext,
  address: string,
  page: QueryAllBalancesRequest["pagination"],
): Promise<QueryAllBalancesResponse> {
  const prefix = addressBalancesPrefix(addressBytes(address));
  const balances: { denom: string; amount: string }[] = [];
  const pagination = await paginate(ctx.store(STORE_NAME), prefix, page, (denom, value) => {
    balances.push({ denom: decoder.decode(denom), amount: decoder.decode(value) });
  });
  return { balances, pagination };
}

async function allBalances(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(QueryAllBalancesRequest, data);
  return QueryAllBalancesResponse.encode(
    await balancesPage(ctx, request.address, request.pagination),
  ).finish();
}

/** Nothing is locked or vesting on this chain, so what an account can spend is all it holds. */
async function spendableBalances(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(QuerySpendableBalancesRequest, data);
  return QuerySpendableBalancesResponse.encode(
    await balancesPage(ctx, request.address, request.pagination),
  ).finish();
}

async function totalSupply(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(QueryTotalSupplyRequest, data);
  const supply: { denom: string; amount: string }[] = [];
  const prefix = Uint8Array.of(SUPPLY_PREFIX);
  const pagination = await paginate(ctx.store(STORE_NAME), prefix, request.pagination, (denom, value) => {
    supply.push({ denom: decoder.decode(denom), amount: decodeAmount(value).toString() });
  });
  return QueryTotalSupplyResponse.encode({ supply, pagination }).finish();
}

async function supplyOf(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const { denom } = decodeGrpcRequest(QuerySupplyOfRequest, data);
  checkDenom(denom);
  const stored = await ctx.store(STORE_NAME).get(denomKey(SUPPLY_PREFIX, denom));
  const amount = stored === undefined ? "0" : decoder.decode(stored);
  return QuerySupplyOfResponse.encode({ amount: { denom, amount } }).finish();
}

async function params(ctx: QueryContext): Promise<Uint8Array> {
  const stored = await ctx.store(STORE_NAME).get(PARAMS_KEY);
  const value = stored === undefined ? { sendEnabled: [], defaultSendEnabled: true } : Params.decode(stored);
  return QueryParamsResponse.encode({ params: value }).finish();
}

async function denomMetadata(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const { denom } = decodeGrpcRequest(QueryDenomMetadataRequest, data);
  checkDenom(denom);
  const stored = await ctx.store(STORE_NAME).get(denomKey(DENOM_METADATA_PREFIX, denom));
  if (stored === undefined)
    throw sdkError("notFound", `rpc error: code = NotFound desc = client metadata for denom ${denom}`);
  return QueryDenomMetadataResponse.encode({ metadata: Metadata.decode(stored) }).finish();
}

async function denomsMetadata(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(QueryDenomsMetadataRequest, data);
  const metadatas: Metadata[] = [];
  const prefix = Uint8Array.of(DENOM_METADATA_PREFIX);
  const pagination = await paginate(ctx.store(STORE_NAME), prefix, request.pagination, (_denom, value) => {
    metadatas.push(Metadata.decode(value));
  });
  return QueryDenomsMetadataResponse.encode({ metadatas, pagination }).finish();
}

export const bankQueries: Record<string, QueryHandler> = {
  "/cosmos.bank.v1beta1.Query/Balance": balance,
  "/cosmos.bank.v1beta1.Query/AllBalances": allBalances,
  "/cosmos.bank.v1beta1.Query/SpendableBalances": spendableBalances,
  "/cosmos.bank.v1beta1.Query/TotalSupply": totalSupply,
  "/cosmos.bank.v1beta1.Query/SupplyOf": supplyOf,
  "/cosmos.bank.v1beta1.Query/Params": params,
  "/cosmos.bank.v1beta1.Query/DenomMetadata": denomMetadata,
  "/cosmos.bank.v1beta1.Query/DenomsMetadata": denomsMetadata,
};
