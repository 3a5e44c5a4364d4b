// cosmos.tx.v1beta1.Service's lookups over abci_query, as a Cosmos SDK node serves them (its tx
// service is registered on the gRPC query router, so cosmjs' QueryClient tx extension reaches it
// through abci_query): GetTx by hash and GetTxsEvent by query. They read the block store, which the
// application does not see, so the node answers them before the application's router.
import { TxResponse } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import {
  GetTxRequest,
  GetTxResponse,
  GetTxsEventRequest,
  GetTxsEventResponse,
  OrderBy,
} from "cosmjs-types/cosmos/tx/v1beta1/service";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { QueryRequest, QueryResponse } from "../app/abci.ts";
import { sdkError } from "../app/errors.ts";
import { decodeGrpcRequest } from "../app/grpc.ts";
import { queryError, queryOk } from "../app/query.ts";
import type { BlockMeta, BlockStore, IndexedTx } from "../blockstore/types.ts";
import { hexUpper } from "../rpc/json.ts";
import { formatTimestamp } from "../types/time.ts";

const GET_TX_PATH = "/cosmos.tx.v1beta1.Service/GetTx";
const GET_TXS_EVENT_PATH = "/cosmos.tx.v1beta1.Service/GetTxsEvent";
/** GetTxsEvent's page size when the request gives none, and its most (the SDK's defaults). */
const DEFAULT_TXS_EVENT_LIMIT = 100;
const MAX_TXS_EVENT_LIMIT = 100;
const TX_TYPE_URL = "/cosmos.tx.v1beta1.Tx";

function decodeTx(bytes: Uint8Array): Tx {
  try {
    return Tx.decode(bytes);
  } catch {
    // A committed tx that does not decode is one the ante handler refused (code 2): show it empty.
    return Tx.fromPartial({});
  }
}

function txResponse(found: IndexedTx, tx: Tx, meta: BlockMeta | undefined): TxResponse {
  const { result } = found;
  return TxResponse.fromPartial({
    height: found.height,
    txhash: hexUpper(found.hash),
    codespace: result.codespace,
    code: result.code,
    data: hexUpper(result.data),
    rawLog: result.log,
    logs: [],
    info: result.info,
    gasWanted: result.gasWanted,
    gasUsed: result.gasUsed,
    tx: { typeUrl: TX_TYPE_URL, value: Tx.encode(tx).finish() },
    // Go's time.RFC3339: whole seconds, as the SDK formats it here.
    timestamp: meta === undefined ? "" : formatTimestamp({ seconds: meta.header.time.seconds, nanos: 0 }),
    events: result.events,
  });
}

async function getTx(blockStore: BlockStore, data: Uint8Array): Promise<Uint8Array> {
  const { hash } = decodeGrpcRequest(GetTxRequest, data);
  if (!/^[0-9a-fA-F]{64}$/.test(hash))
    throw sdkError("invalidRequest", `tx hash must be 64 hex characters, got ${JSON.stringify(hash)}`);
  const found = await blockStore.loadTx(Buffer.from(hash, "hex"));
  if (found === undefined) throw sdkError("notFound", `tx not found: ${hash}`);
  const tx = decodeTx(found.tx);
  const meta = await blockStore.loadBlockMeta(found.height);
  return GetTxResponse.encode({ tx, txResponse: txResponse(found, tx, meta) }).finish();
}

async function getTxsEvent(blockStore: BlockStore, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(GetTxsEventRequest, data);
  // SDK 0.50 takes `query`; older clients send `events`, which it joined with AND.
  const query = request.query !== "" ? request.query : request.events.join(" AND ");
  if (query === "") throw sdkError("invalidRequest", "query cannot be empty");
  const page = request.page === 0n ? 1 : Number(request.page);
  const limit = request.limit === 0n ? DEFAULT_TXS_EVENT_LIMIT : Number(request.limit);
  if (limit > MAX_TXS_EVENT_LIMIT)
    throw sdkError("invalidRequest", `limit must be at most ${MAX_TXS_EVENT_LIMIT}, got ${limit}`);
  const orderBy = request.orderBy === OrderBy.ORDER_BY_DESC ? "desc" : "asc";
  const found = await blockStore.searchTxs(query, { page, perPage: limit, orderBy });
  const txs = found.txs.map((indexed) => decodeTx(indexed.tx));
  // A page's txs come from few blocks: each block's meta is read once.
  const heights = [...new Set(found.txs.map((indexed) => indexed.height))];
  const metas = new Map(
    await Promise.all(
      heights.map(async (height) => [height, await blockStore.loadBlockMeta(height)] as const),
    ),
  );
  const txResponses = found.txs.map((indexed, i) => txResponse(indexed, txs[i]!, metas.get(indexed.height)));
  return GetTxsEventResponse.encode({
    txs,
    txResponses,
    total: BigInt(found.totalCount),
  }).finish();
}

/** The answer when `request` is one of the tx service's lookups, else undefined (the app answers). */
export async function txServiceQuery(
  blockStore: BlockStore,
  request: QueryRequest,
): Promise<QueryResponse | undefined> {
  const handler =
    request.path === GET_TX_PATH ? getTx : request.path === GET_TXS_EVENT_PATH ? getTxsEvent : undefined;
  if (handler === undefined) return undefined;
  try {
    return queryOk(await handler(blockStore, request.data), blockStore.height());
  } catch (error) {
    return queryError(error);
  }
}
