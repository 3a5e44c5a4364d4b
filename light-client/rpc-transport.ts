// LightTransport over CometBFT 0.38 JSON-RPC (HTTP POST through `fetch`): commit, validators (all
// pages), abci_query, status, broadcast_evidence. Browser-pure; the URL is the node's RPC address.
import type { LightClientAttackEvidence } from "cosmjs-types/tendermint/types/evidence";
import type { Validator } from "../chain/types/block.ts";
import { toHex } from "../chain/types/bytes.ts";
import { LightClientError } from "./errors.ts";
import { encodeEvidenceJson } from "./evidence.ts";
import {
  array,
  base64Bytes,
  decodeCommit,
  decodeSignedHeader,
  decodeValidator,
  integer,
  type Json,
  object,
  string,
} from "./json.ts";
import type {
  AbciQueryRequest,
  AbciQueryResult,
  BlockBody,
  LightTransport,
  NodeStatus,
} from "./transport.ts";
import type { SignedHeader } from "./types.ts";

/** CometBFT's maximum validators page size (rpc/core: maxPerPage). */
const VALIDATORS_PER_PAGE = 100;
/** types.MaxVotesCount: no valid set is larger, so more pages than this mean a lying node. */
const MAX_VALIDATORS = 10_000;
/** How long one RPC call may take, in milliseconds, before it is a transport error. */
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;
/** Largest response body accepted, in bytes: a full validator page or proof is far smaller. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface RpcTransportOptions {
  timeoutMs?: number;
  /** Injectable for tests and non-standard runtimes. */
  fetch?: typeof fetch;
}

export class RpcTransport implements LightTransport {
  readonly name: string;
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  #nextId = 1;

  constructor(url: string, options: RpcTransportOptions = {}) {
    this.#url = url.startsWith("tcp://") ? `http://${url.slice("tcp://".length)}` : url;
    this.name = this.#url;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async call(method: string, params: Record<string, Json>): Promise<unknown> {
    let body: string;
    try {
      const response = await this.#fetch(this.#url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: this.#nextId++, method, params }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      body = await response.text();
    } catch (error) {
      throw new LightClientError(
        "transport_error",
        `${method} at ${this.name}: ${(error as Error).message}`,
        { method },
        { cause: error },
      );
    }
    if (body.length > MAX_RESPONSE_BYTES)
      throw new LightClientError("transport_error", `${method} at ${this.name}: response too large`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new LightClientError("malformed_response", `${method} at ${this.name}: not JSON`);
    }
    const envelope = object(parsed, "JSON-RPC response");
    if (envelope["error"] !== undefined && envelope["error"] !== null) {
      const error = object(envelope["error"], "JSON-RPC error");
      const text = [error["message"], error["data"]].filter((part) => typeof part === "string").join(": ");
      const unavailable = /height .* (must be less than|is not available)|not found|lowest height/i.test(
        text,
      );
      throw new LightClientError(
        unavailable ? "height_unavailable" : "transport_error",
        `${method} at ${this.name}: ${text}`,
        { method, rpcCode: error["code"] },
      );
    }
    return envelope["result"];
  }

  async signedHeader(height?: bigint): Promise<SignedHeader> {
    const result = object(
      await this.call("commit", height === undefined ? {} : { height: height.toString() }),
      "commit result",
    );
    return decodeSignedHeader(result["signed_header"]);
  }

  async validators(height: bigint): Promise<Validator[]> {
    const validators: Validator[] = [];
    for (let page = 1; ; page++) {
      const result = object(
        await this.call("validators", {
          height: height.toString(),
          page: page.toString(),
          per_page: VALIDATORS_PER_PAGE.toString(),
        }),
        "validators result",
      );
      const total = integer(result["total"], "validators.total");
      if (total <= 0n || total > BigInt(MAX_VALIDATORS))
        throw new LightClientError("malformed_response", `validators total ${total} out of range`);
      const items = array(result["validators"], "validators.validators");
      if (items.length === 0) throw new LightClientError("malformed_response", "empty validators page");
      validators.push(...items.map(decodeValidator));
      if (BigInt(validators.length) >= total) {
        if (BigInt(validators.length) !== total)
          throw new LightClientError("malformed_response", "validators pages exceed the total");
        return validators;
      }
    }
  }

  async abciQuery(request: AbciQueryRequest): Promise<AbciQueryResult> {
    const params: Record<string, Json> = {
      path: request.path,
      data: toHex(request.data),
      prove: request.prove,
    };
    if (request.height !== 0n) params["height"] = request.height.toString();
    const result = object(await this.call("abci_query", params), "abci_query result");
    const response = object(result["response"], "abci_query response");
    const proofOps =
      response["proofOps"] === null || response["proofOps"] === undefined
        ? []
        : array(object(response["proofOps"], "proofOps")["ops"], "proofOps.ops").map((value) => {
            const op = object(value, "proof op");
            return {
              type: string(op["type"], "proof op type"),
              key: base64Bytes(op["key"], "proof op key"),
              data: base64Bytes(op["data"], "proof op data"),
            };
          });
    return {
      code: Number(integer(response["code"] ?? 0, "abci_query code")),
      codespace: typeof response["codespace"] === "string" ? response["codespace"] : "",
      log: typeof response["log"] === "string" ? response["log"] : "",
      key: base64Bytes(response["key"], "abci_query key"),
      value: base64Bytes(response["value"], "abci_query value"),
      proofOps,
      height: integer(response["height"] ?? "0", "abci_query height"),
    };
  }

  async blockBody(height: bigint): Promise<BlockBody> {
    const result = object(await this.call("block", { height: height.toString() }), "block result");
    const block = object(result["block"], "block");
    const txs = array(object(block["data"], "block.data")["txs"] ?? [], "block.data.txs");
    const evidence = object(block["evidence"] ?? {}, "block.evidence")["evidence"] ?? [];
    return {
      txs: txs.map((tx) => base64Bytes(tx, "tx")),
      lastCommit: decodeCommit(block["last_commit"]),
      evidenceCount: array(evidence, "block.evidence.evidence").length,
    };
  }

  async status(): Promise<NodeStatus> {
    const result = object(await this.call("status", {}), "status result");
    const nodeInfo = object(result["node_info"], "status.node_info");
    const syncInfo = object(result["sync_info"], "status.sync_info");
    return {
      chainId: string(nodeInfo["network"], "node_info.network"),
      latestHeight: integer(syncInfo["latest_block_height"], "sync_info.latest_block_height"),
    };
  }

  async broadcastEvidence(evidence: LightClientAttackEvidence): Promise<void> {
    await this.call("broadcast_evidence", { evidence: encodeEvidenceJson(evidence) });
  }
}
