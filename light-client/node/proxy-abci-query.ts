// abci_query through the verifying proxy: raw store keys and the gRPC queries cosmjs needs (bank
// Balance / AllBalances, auth Account) are answered by proving the store keys behind them against
// a light-verified header and encoding the gRPC response here. Another module's query needs a case
// here (README.md, Verifying proxy).
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { Any } from "cosmjs-types/google/protobuf/any";
import { LightClientError } from "../errors.ts";
import { type JsonObject, toBase64 } from "../json.ts";
import { AUTH_STORE, accountStoreKey, BANK_STORE, balanceStoreKey } from "../keys.ts";
import { decodeAmount, queryProven, verifyStoreResponse } from "../queries.ts";
import type { LightTransport } from "../transport.ts";
import { heightOf, type LightBlock } from "../types.ts";
import { type Params, RPC_INVALID_PARAMS, RpcError } from "./proxy-rpc.ts";

/** Denoms proven for one AllBalances answer; more is refused rather than served slowly. */
const MAX_DENOMS_PER_ADDRESS = 100;
/** Cosmos SDK ErrNotFound (codespace sdk): cosmjs turns it into `null` for accounts. */
const SDK_NOT_FOUND = 38;

function queryResponse(value: Uint8Array, height: bigint, extra: Partial<JsonObject> = {}): JsonObject {
  return {
    response: {
      code: 0,
      log: "",
      info: "",
      index: "0",
      key: null,
      value: value.length === 0 ? null : toBase64(value),
      proofOps: null,
      height: height.toString(),
      codespace: "",
      ...extra,
    },
  };
}

function notFound(log: string, height: bigint): JsonObject {
  return {
    response: {
      code: SDK_NOT_FOUND,
      log,
      info: "",
      index: "0",
      key: null,
      value: null,
      proofOps: null,
      height: height.toString(),
      codespace: "sdk",
    },
  };
}

/** Answers `path` with `data` from the state `header` commits to (height − 1), every value proven
 * from `primary`'s answers; a path that cannot be verified is refused. */
export async function verifiedAbciQuery(
  primary: LightTransport,
  header: LightBlock,
  path: string,
  data: Uint8Array,
  params: Params,
): Promise<JsonObject> {
  const stateHeight = heightOf(header) - 1n;
  const prove = async (store: string, key: Uint8Array) =>
    verifyStoreResponse(header, await queryProven(primary, store, key, stateHeight), store, key);

  if (path.startsWith("/store/")) {
    const [, , storeName, kind] = path.split("/");
    if (storeName === undefined || storeName === "" || kind !== "key")
      throw new RpcError(RPC_INVALID_PARAMS, "Invalid params", "only /store/<name>/key is verifiable");
    const response = await queryProven(primary, storeName, data, stateHeight);
    const value = verifyStoreResponse(header, response, storeName, data) ?? new Uint8Array(0);
    return queryResponse(value, stateHeight, {
      key: toBase64(data),
      proofOps:
        params["prove"] === true || params["prove"] === "true"
          ? {
              ops: response.proofOps.map((op) => ({
                type: op.type,
                key: toBase64(op.key),
                data: toBase64(op.data),
              })),
            }
          : null,
    });
  }
  switch (path) {
    case "/cosmos.bank.v1beta1.Query/Balance": {
      const request = QueryBalanceRequest.decode(data);
      const amount = decodeAmount(await prove(BANK_STORE, balanceStoreKey(request.address, request.denom)));
      const value = QueryBalanceResponse.encode({
        balance: { denom: request.denom, amount: amount.toString() },
      }).finish();
      return queryResponse(value, stateHeight);
    }
    case "/cosmos.bank.v1beta1.Query/AllBalances": {
      const request = QueryAllBalancesRequest.decode(data);
      // Which denoms exist cannot be proven (no range proofs over hashed keys): the node's list is
      // taken as a hint, and every amount in the answer is proven.
      const hint = await primary.abciQuery({ path, data, height: stateHeight, prove: false });
      const denoms =
        hint.code === 0 ? QueryAllBalancesResponse.decode(hint.value).balances.map((coin) => coin.denom) : [];
      if (denoms.length > MAX_DENOMS_PER_ADDRESS)
        throw new LightClientError("malformed_response", `more than ${MAX_DENOMS_PER_ADDRESS} denoms`);
      const balances = [];
      for (const denom of [...new Set(denoms)].sort()) {
        const amount = decodeAmount(await prove(BANK_STORE, balanceStoreKey(request.address, denom)));
        if (amount > 0n) balances.push({ denom, amount: amount.toString() });
      }
      const value = QueryAllBalancesResponse.encode({
        balances,
        pagination: { nextKey: new Uint8Array(0), total: BigInt(balances.length) },
      }).finish();
      return queryResponse(value, stateHeight);
    }
    case "/cosmos.auth.v1beta1.Query/Account": {
      const request = QueryAccountRequest.decode(data);
      const stored = await prove(AUTH_STORE, accountStoreKey(request.address));
      if (stored === undefined)
        return notFound(
          `rpc error: code = NotFound desc = account ${request.address} not found: key not found`,
          stateHeight,
        );
      const value = QueryAccountResponse.encode({ account: Any.decode(stored) }).finish();
      return queryResponse(value, stateHeight);
    }
    default:
      throw new RpcError(
        RPC_INVALID_PARAMS,
        "Invalid params",
        `query path ${path} cannot be verified by the proxy`,
      );
  }
}
