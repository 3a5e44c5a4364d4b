// abci_query routing: gRPC-style paths (protobuf in, protobuf out), raw store reads with optional
// ICS-23 proofs (`/store/<store>/key`), and the tx simulation service, with SDK-shaped errors.
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { CommitMultiStore } from "../store/commit-types.ts";
import { StoreError } from "../store/types.ts";
import type { Event, QueryRequest, QueryResponse } from "./abci.ts";
import { readerQueryContext } from "./context.ts";
import { sdkError, toAbciError } from "./errors.ts";
import type { QueryHandler } from "./module.ts";

export const SIMULATE_PATH = "/cosmos.tx.v1beta1.Service/Simulate";
const EMPTY = new Uint8Array(0);

export function queryError(error: unknown): QueryResponse {
  const abciError = toAbciError(error);
  return {
    code: abciError.code,
    codespace: abciError.codespace,
    log: abciError.log,
    info: "",
    index: 0n,
    key: EMPTY,
    value: EMPTY,
    proofOps: [],
    height: 0n,
  };
}

export function queryOk(
  value: Uint8Array,
  height: bigint,
  extra: Partial<QueryResponse> = {},
): QueryResponse {
  return {
    code: 0,
    codespace: "",
    log: "",
    info: "",
    index: 0n,
    key: EMPTY,
    value,
    proofOps: [],
    height,
    ...extra,
  };
}

/** The committed version a query reads: 0 = latest; above latest or pruned is code 26. */
export function resolveQueryVersion(store: CommitMultiStore, height: bigint): number {
  const latest = store.lastCommit().version;
  if (latest < 0) throw sdkError("invalidRequest", "chain has not been initialized");
  if (height < 0n) throw sdkError("invalidRequest", "cannot query with height < 0");
  if (height === 0n) return latest;
  if (height > BigInt(latest))
    throw sdkError("invalidHeight", `cannot query with height in the future; please provide a valid height`);
  return Number(height);
}

export async function runGrpcQuery(
  store: CommitMultiStore,
  handler: QueryHandler,
  request: QueryRequest,
): Promise<QueryResponse> {
  const version = resolveQueryVersion(store, request.height);
  let reader: ReturnType<CommitMultiStore["readerAt"]>;
  try {
    reader = store.readerAt(version);
  } catch (error) {
    throw storeErrorToAbci(error, version);
  }
  const value = await handler(readerQueryContext(reader), request.data);
  return queryOk(value, BigInt(version));
}

/** `/store/<name>/key`: data is the raw key; the value (empty if absent) and, with prove, its proof chain. */
export async function runStoreQuery(store: CommitMultiStore, request: QueryRequest): Promise<QueryResponse> {
  const [, prefix, storeName, kind] = request.path.split("/");
  if (prefix !== "store" || storeName === undefined || kind !== "key")
    throw sdkError("unknownRequest", `unknown query path ${request.path}; expected /store/<store name>/key`);
  const version = resolveQueryVersion(store, request.height);
  try {
    if (request.prove) {
      const { value, proofOps } = await store.prove(storeName, request.data, version);
      return queryOk(value ?? EMPTY, BigInt(version), { key: request.data, proofOps });
    }
    const value = await store.readerAt(version).get(storeName, request.data);
    return queryOk(value ?? EMPTY, BigInt(version), { key: request.data });
  } catch (error) {
    throw storeErrorToAbci(error, version);
  }
}

function storeErrorToAbci(error: unknown, version: number): unknown {
  if (!(error instanceof StoreError)) return error;
  if (error.code === "unknown_store") return sdkError("unknownRequest", error.message);
  if (error.code === "pruned_version" || error.code === "unknown_version")
    return sdkError("invalidHeight", `failed to load state at height ${version}; ${error.message}`);
  return error;
}

/** Tx bytes of a SimulateRequest: tx_bytes, or the deprecated decoded `tx` re-encoded. */
export function simulateTxBytes(data: Uint8Array): Uint8Array {
  let request: SimulateRequest;
  try {
    request = SimulateRequest.decode(data);
  } catch (error) {
    throw sdkError("txDecode", `invalid SimulateRequest: ${(error as Error).message}`);
  }
  if (request.txBytes.length > 0) return request.txBytes;
  if (request.tx !== undefined) return Tx.encode(request.tx).finish();
  throw sdkError("invalidRequest", "empty txBytes is not allowed");
}

export function encodeSimulateResponse(
  gasWanted: bigint,
  gasUsed: bigint,
  events: Event[],
  msgResponses: { typeUrl: string; value: Uint8Array }[],
): Uint8Array {
  return SimulateResponse.encode({
    gasInfo: { gasWanted, gasUsed },
    result: { data: EMPTY, log: "", events, msgResponses },
  }).finish();
}
