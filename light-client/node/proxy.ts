// The verifying proxy (`sensorchain light serve`): a local CometBFT 0.38 JSON-RPC that answers only
// from light-verified headers and ICS-23-verified state. gRPC queries (bank Balance/AllBalances,
// auth Account) are answered by proving the raw store keys behind them and encoding the gRPC response
// here; if anything fails to verify the caller gets a JSON-RPC error, never the node's data.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { Any } from "cosmjs-types/google/protobuf/any";
import type { Timestamp } from "../../chain/types/block.ts";
import { sha256, toHex } from "../../chain/types/bytes.ts";
import { commitHash, dataHash } from "../../chain/types/hashes.ts";
import { headerHash } from "../../chain/types/header.ts";
import { formatTimestamp, timestampFromDate } from "../../chain/types/time.ts";
import { Mutex } from "../../chain/util/mutex.ts";
import type { LightClient } from "../client.ts";
import { LightClientError } from "../errors.ts";
import { encodeCommit, encodeHeader, encodeValidator, hexUpper, type JsonObject, toBase64 } from "../json.ts";
import { AUTH_STORE, accountStoreKey, BANK_STORE, balanceStoreKey } from "../keys.ts";
import { decodeAmount, queryProven, verifiedStateHeader, verifyStoreResponse } from "../queries.ts";
import { heightOf, type LightBlock } from "../types.ts";

/** Largest request body accepted, in bytes: JSON-RPC requests here are a few hundred bytes. */
const MAX_REQUEST_BYTES = 1024 * 1024;
/** Denoms proven for one AllBalances answer; more is refused rather than served slowly. */
const MAX_DENOMS_PER_ADDRESS = 100;
/** The CometBFT version cosmjs must see to pick its 0.38 client. */
const COMETBFT_VERSION = "0.38.17";
/** Cosmos SDK ErrNotFound (codespace sdk): cosmjs turns it into `null` for accounts. */
const SDK_NOT_FOUND = 38;
/** JSON-RPC codes as CometBFT uses them. */
const RPC_METHOD_NOT_FOUND = -32601;
const RPC_INVALID_PARAMS = -32602;
const RPC_INTERNAL = -32603;

class RpcError extends Error {
  readonly rpcCode: number;
  readonly data: string;
  constructor(rpcCode: number, message: string, data: string) {
    super(message);
    this.rpcCode = rpcCode;
    this.data = data;
  }
}

export interface LightProxyOptions {
  client: LightClient;
  host?: string;
  port?: number;
  /** The wall clock, the one effect the core takes as a parameter. */
  now?: () => Timestamp;
  /** Called with every refusal (verification failures), for logs. */
  onRefusal?: (method: string, error: LightClientError) => void;
}

export interface LightProxy {
  url: string;
  server: Server;
  close(): Promise<void>;
}

type Params = Record<string, unknown>;

function optionalHeight(params: Params): bigint | undefined {
  const value = params["height"];
  if (value === undefined || value === null || value === "" || value === "0" || value === 0) return undefined;
  const text = String(value);
  if (!/^[1-9][0-9]{0,18}$/.test(text))
    throw new RpcError(RPC_INVALID_PARAMS, "Invalid params", `height ${text}`);
  return BigInt(text);
}

function queryData(params: Params): Uint8Array {
  const value = params["data"];
  if (value === undefined || value === null || value === "") return new Uint8Array(0);
  const text = String(value);
  if (!/^([0-9a-fA-F]{2})*$/.test(text))
    throw new RpcError(RPC_INVALID_PARAMS, "Invalid params", "data must be hex");
  return Uint8Array.from(Buffer.from(text, "hex"));
}

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

export class LightProxyHandler {
  readonly #client: LightClient;
  readonly #now: () => Timestamp;
  /** The light client's store and bisection are not re-entrant: one verification at a time. */
  readonly #lock = new Mutex();
  readonly #nodeId: string;
  listenAddress = "";

  constructor(client: LightClient, now: () => Timestamp) {
    this.#client = client;
    this.#now = now;
    this.#nodeId = toHex(sha256(new TextEncoder().encode(`light-proxy:${client.chainId}`)).subarray(0, 20));
  }

  #verified<T>(action: () => Promise<T>): Promise<T> {
    return this.#lock.run(action);
  }

  async #block(params: Params): Promise<LightBlock> {
    const height = optionalHeight(params);
    return this.#verified(async () =>
      height === undefined
        ? (await this.#client.update(this.#now())).block
        : (await this.#client.verifyToHeight(height, this.#now())).block,
    );
  }

  async handle(method: string, params: Params): Promise<unknown> {
    switch (method) {
      case "health":
        return {};
      case "status":
        return this.#status();
      case "commit": {
        const block = await this.#block(params);
        return {
          signed_header: {
            header: encodeHeader(block.signedHeader.header),
            commit: encodeCommit(block.signedHeader.commit),
          },
          canonical: true,
        };
      }
      case "header":
        return { header: encodeHeader((await this.#block(params)).signedHeader.header) };
      case "validators":
        return this.#validators(params);
      case "block":
        return this.#fullBlock(params);
      case "abci_query":
        return this.#abciQuery(params);
      default:
        throw new RpcError(
          RPC_METHOD_NOT_FOUND,
          "Method not found",
          `${method} is not served by the verifying proxy`,
        );
    }
  }

  async #status(): Promise<JsonObject> {
    const block = await this.#block({});
    const header = block.signedHeader.header;
    const proposer = block.validatorSet.validators[0]!;
    return {
      node_info: {
        protocol_version: { p2p: "8", block: "11", app: header.version.app.toString() },
        id: this.#nodeId,
        listen_addr: this.listenAddress,
        network: this.#client.chainId,
        version: COMETBFT_VERSION,
        channels: "",
        moniker: "sensorchain-light-proxy",
        other: { tx_index: "off", rpc_address: this.listenAddress },
      },
      sync_info: {
        latest_block_hash: hexUpper(headerHash(header)),
        latest_app_hash: hexUpper(header.appHash),
        latest_block_height: header.height.toString(),
        latest_block_time: formatTimestamp(header.time),
        catching_up: false,
      },
      // The proxy is not a validator; cosmjs requires the field, so it names the proposer with no power.
      validator_info: { ...encodeValidator(proposer), voting_power: "0" },
    };
  }

  async #validators(params: Params): Promise<JsonObject> {
    const block = await this.#block(params);
    const page = Number(params["page"] ?? 1);
    const perPage = Math.min(Math.max(Number(params["per_page"] ?? 30), 1), 100);
    const all = block.validatorSet.validators;
    if (!Number.isSafeInteger(page) || page < 1 || (page - 1) * perPage >= Math.max(all.length, 1))
      throw new RpcError(RPC_INVALID_PARAMS, "Invalid params", `page ${page} out of range`);
    const slice = all.slice((page - 1) * perPage, page * perPage);
    return {
      block_height: heightOf(block).toString(),
      validators: slice.map(encodeValidator),
      count: slice.length.toString(),
      total: all.length.toString(),
    };
  }

  /** A block's txs and last commit, checked against the verified header's data and last commit hashes. */
  async #fullBlock(params: Params): Promise<JsonObject> {
    const verified = await this.#block(params);
    const header = verified.signedHeader.header;
    if (this.#client.primary.blockBody === undefined)
      throw new RpcError(
        RPC_METHOD_NOT_FOUND,
        "Method not found",
        "the primary transport serves no block bodies",
      );
    const { txs, lastCommit, evidenceCount } = await this.#client.primary.blockBody(header.height);
    if (toHex(dataHash(txs)) !== toHex(header.dataHash))
      throw new LightClientError(
        "header_hash_mismatch",
        `block ${header.height} txs do not hash to the verified data_hash`,
      );
    if (header.height > 1n && toHex(commitHash(lastCommit)) !== toHex(header.lastCommitHash))
      throw new LightClientError(
        "header_hash_mismatch",
        `block ${header.height} last commit does not match the verified header`,
      );
    if (evidenceCount > 0)
      throw new LightClientError(
        "malformed_response",
        "blocks with evidence cannot be verified by the proxy yet",
      );
    return {
      block_id: {
        hash: hexUpper(headerHash(header)),
        parts: {
          total: verified.signedHeader.commit.blockId.partSetHeader.total,
          hash: hexUpper(verified.signedHeader.commit.blockId.partSetHeader.hash),
        },
      },
      block: {
        header: encodeHeader(header),
        data: { txs: txs.map(toBase64) },
        evidence: { evidence: [] },
        last_commit: encodeCommit(lastCommit),
      },
    };
  }

  async #abciQuery(params: Params): Promise<JsonObject> {
    const path = typeof params["path"] === "string" ? params["path"] : "";
    const data = queryData(params);
    const height = optionalHeight(params);
    const header = await this.#verified(() =>
      verifiedStateHeader(this.#client, this.#now(), height === undefined ? {} : { height }),
    );
    const stateHeight = heightOf(header) - 1n;
    const prove = async (store: string, key: Uint8Array) =>
      verifyStoreResponse(
        header,
        await queryProven(this.#client.primary, store, key, stateHeight),
        store,
        key,
      );

    if (path.startsWith("/store/")) {
      const [, , storeName, kind] = path.split("/");
      if (storeName === undefined || storeName === "" || kind !== "key")
        throw new RpcError(RPC_INVALID_PARAMS, "Invalid params", "only /store/<name>/key is verifiable");
      const response = await queryProven(this.#client.primary, storeName, data, stateHeight);
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
        const hint = await this.#client.primary.abciQuery({ path, data, height: stateHeight, prove: false });
        const denoms =
          hint.code === 0
            ? QueryAllBalancesResponse.decode(hint.value).balances.map((coin) => coin.denom)
            : [];
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
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new RpcError(-32600, "Invalid Request", "request too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function errorJson(id: unknown, error: RpcError): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    error: { code: error.rpcCode, message: error.message, data: error.data },
  });
}

async function serveOne(
  handler: LightProxyHandler,
  id: unknown,
  method: string,
  params: Params,
  onRefusal: LightProxyOptions["onRefusal"],
): Promise<string> {
  try {
    const result = await handler.handle(method, params);
    return JSON.stringify({ jsonrpc: "2.0", id, result });
  } catch (error) {
    if (error instanceof RpcError) return errorJson(id, error);
    if (error instanceof LightClientError) {
      onRefusal?.(method, error);
      return errorJson(
        id,
        new RpcError(
          RPC_INTERNAL,
          "Internal error",
          `light client refused (${error.code}): ${error.message}`,
        ),
      );
    }
    return errorJson(id, new RpcError(RPC_INTERNAL, "Internal error", (error as Error).message));
  }
}

async function respond(
  handler: LightProxyHandler,
  request: IncomingMessage,
  response: ServerResponse,
  options: LightProxyOptions,
) {
  let body: string;
  if (request.method === "GET") {
    // CometBFT URI form: /status, /abci_query?path="..."&data=0x...
    const url = new URL(request.url ?? "/", "http://localhost");
    const params: Params = {};
    for (const [key, value] of url.searchParams)
      params[key] = value.replace(/^"(.*)"$/, "$1").replace(/^0x/, "");
    body = await serveOne(handler, -1, url.pathname.slice(1), params, options.onRefusal);
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readBody(request));
    } catch (error) {
      const rpcError =
        error instanceof RpcError ? error : new RpcError(-32700, "Parse error", "invalid JSON");
      response.writeHead(200, { "content-type": "application/json" }).end(errorJson(null, rpcError));
      return;
    }
    const call = (typeof parsed === "object" && parsed !== null ? parsed : {}) as {
      id?: unknown;
      method?: unknown;
      params?: unknown;
    };
    const params = (typeof call.params === "object" && call.params !== null ? call.params : {}) as Params;
    body = await serveOne(handler, call.id ?? null, String(call.method ?? ""), params, options.onRefusal);
  }
  response.writeHead(200, { "content-type": "application/json" }).end(body);
}

export async function startLightProxy(options: LightProxyOptions): Promise<LightProxy> {
  const handler = new LightProxyHandler(options.client, options.now ?? (() => timestampFromDate(new Date())));
  const server = createServer((request, response) => {
    respond(handler, request, response, options).catch((error) => {
      if (!response.headersSent) response.writeHead(500).end(String((error as Error).message));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8888, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  handler.listenAddress = `tcp://${address.address}:${address.port}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
