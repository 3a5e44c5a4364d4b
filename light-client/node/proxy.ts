// The verifying proxy (`sensorchain light serve`): a local CometBFT 0.38 JSON-RPC that answers only
// from light-verified headers and ICS-23-verified state (abci_query: proxy-abci-query.ts); if
// anything fails to verify the caller gets a JSON-RPC error (proxy-rpc.ts), never the node's data.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Timestamp } from "../../chain/types/block.ts";
import { sha256, toHex } from "../../chain/types/bytes.ts";
import { commitHash, dataHash } from "../../chain/types/hashes.ts";
import { headerHash } from "../../chain/types/header.ts";
import { formatTimestamp, timestampFromDate } from "../../chain/types/time.ts";
import { Mutex } from "../../chain/util/mutex.ts";
import type { LightClient } from "../client.ts";
import { LightClientError } from "../errors.ts";
import { encodeCommit, encodeHeader, encodeValidator, hexUpper, type JsonObject, toBase64 } from "../json.ts";
import { verifiedStateHeader } from "../queries.ts";
import { heightOf, type LightBlock } from "../types.ts";
import { verifiedAbciQuery } from "./proxy-abci-query.ts";
import {
  errorJson,
  optionalHeight,
  type Params,
  queryData,
  RPC_INVALID_PARAMS,
  RPC_METHOD_NOT_FOUND,
  RPC_PARSE_ERROR,
  RpcError,
  readBody,
  serveOne,
} from "./proxy-rpc.ts";

/** The CometBFT version cosmjs must see to pick its 0.38 client. */
const COMETBFT_VERSION = "0.38.17";

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
    return verifiedAbciQuery(this.#client.primary, header, path, data, params);
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
        error instanceof RpcError ? error : new RpcError(RPC_PARSE_ERROR, "Parse error", "invalid JSON");
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
