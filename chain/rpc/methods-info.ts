// Node and application info routes: status, health, abci_info, abci_query, genesis,
// consensus_params, validators, net_info, num_unconfirmed_txs, unconfirmed_txs.
import { toBase64 } from "../crypto/hash.ts";
import { formatTimestamp } from "../types/time.ts";
import type { RpcMethod } from "./context.ts";
import { internalError, invalidParams } from "./errors.ts";
import {
  encodeConsensusParams,
  encodeEd25519PubKey,
  encodeQueryResponse,
  encodeValidator,
  hexUpper,
  type Json,
  type JsonObject,
} from "./json.ts";
import { checkPage, resolveHeight, resolvePage, resolvePerPage } from "./paging.ts";
import { optionalBoolean, optionalHexBytes, optionalInteger, requiredString } from "./params.ts";

/** The CometBFT version we speak. cosmjs picks its client by this prefix (cosmjs-rpc.md §1). */
export const COMETBFT_VERSION = "0.38.17";
/** CometBFT 0.38 protocol versions: p2p 8, block 11; app version 0 as CometBFT reports it. */
export const PROTOCOL_VERSION = { p2p: "8", block: "11", app: "0" } as const;
/** The reactor channel ids a CometBFT 0.38 node advertises (hex pairs), for tools that show them. */
const CHANNELS = "40202122233038606100";

const status: RpcMethod = {
  params: [],
  async run({ backend }) {
    const s = await backend.status();
    return {
      node_info: {
        protocol_version: { ...PROTOCOL_VERSION },
        id: s.nodeId,
        listen_addr: s.listenAddress,
        network: s.chainId,
        version: COMETBFT_VERSION,
        channels: CHANNELS,
        moniker: s.moniker,
        other: { tx_index: "on", rpc_address: s.rpcAddress },
      },
      sync_info: {
        latest_block_hash: hexUpper(s.latestBlockHash),
        latest_app_hash: hexUpper(s.latestAppHash),
        latest_block_height: s.latestBlockHeight.toString(),
        latest_block_time: formatTimestamp(s.latestBlockTime),
        earliest_block_hash: hexUpper(s.earliestBlockHash),
        earliest_app_hash: hexUpper(s.earliestAppHash),
        earliest_block_height: s.earliestBlockHeight.toString(),
        earliest_block_time: formatTimestamp(s.earliestBlockTime),
        catching_up: s.catchingUp,
      },
      validator_info: {
        address: hexUpper(s.validator.address),
        pub_key: encodeEd25519PubKey(s.validator.pubKey),
        voting_power: s.validator.votingPower.toString(),
      },
    };
  },
};

const health: RpcMethod = {
  params: [],
  async run() {
    return {};
  },
};

const abciInfo: RpcMethod = {
  params: [],
  async run({ backend }) {
    const info = await backend.abciInfo();
    return {
      response: {
        data: info.data,
        version: info.version,
        app_version: info.appVersion.toString(),
        last_block_height: info.lastBlockHeight.toString(),
        last_block_app_hash: toBase64(info.lastBlockAppHash),
      },
    };
  },
};

const abciQuery: RpcMethod = {
  params: ["path", "data", "height", "prove"],
  async run({ backend }, params) {
    const path = requiredString(params, "path");
    const data = optionalHexBytes(params, "data");
    const height = optionalInteger(params, "height") ?? 0n;
    if (height < 0n) throw invalidParams(`height must be non-negative, got ${height}`);
    const prove = optionalBoolean(params, "prove") ?? false;
    const response = await backend.abciQuery({ path, data, height, prove });
    return { response: encodeQueryResponse(response) };
  },
};

const genesis: RpcMethod = {
  params: [],
  async run({ backend }) {
    // The node hands over the genesis document already in CometBFT JSON form.
    return { genesis: (await backend.genesis()) as Json };
  },
};

const consensusParams: RpcMethod = {
  params: ["height"],
  async run({ backend }, params) {
    const height = resolveHeight(backend.blockStore, params);
    const result = await backend.consensusParams(height);
    return { block_height: height.toString(), consensus_params: encodeConsensusParams(result) };
  },
};

const validators: RpcMethod = {
  params: ["height", "page", "per_page"],
  async run({ backend }, params) {
    const height = resolveHeight(backend.blockStore, params);
    const page = resolvePage(params);
    const perPage = resolvePerPage(params);
    const set = await backend.validators(height);
    if (set === undefined) throw internalError(`validator set for height ${height} is not available`);
    checkPage(page, perPage, set.length);
    const slice = set.slice((page - 1) * perPage, page * perPage);
    return {
      block_height: height.toString(),
      validators: slice.map(encodeValidator),
      count: slice.length.toString(),
      total: set.length.toString(),
    };
  },
};

const netInfo: RpcMethod = {
  params: [],
  async run({ backend }) {
    const info = await backend.netInfo();
    return {
      listening: info.listening,
      listeners: info.listeners,
      n_peers: info.peers.length.toString(),
      peers: info.peers.map(
        (peer): JsonObject => ({
          node_info: {
            protocol_version: { ...PROTOCOL_VERSION },
            id: peer.nodeId,
            listen_addr: "",
            network: "",
            version: "",
            channels: "",
            moniker: peer.moniker,
            other: { tx_index: "", rpc_address: "" },
          },
          is_outbound: false,
          connection_status: {},
          remote_ip: peer.remoteIp,
        }),
      ),
      ...(info.p2pMetrics === undefined ? {} : { p2p_metrics: { ...info.p2pMetrics } }),
    };
  },
};

async function unconfirmed(
  backend: Parameters<RpcMethod["run"]>[0]["backend"],
  limit: number,
  withTxs: boolean,
): Promise<JsonObject> {
  const pool = await backend.unconfirmedTxs(limit);
  return {
    // num_unconfirmed_txs reports the mempool size as n_txs (CometBFT does the same).
    n_txs: (withTxs ? pool.count : pool.total).toString(),
    total: pool.total.toString(),
    total_bytes: pool.totalBytes.toString(),
    txs: withTxs ? pool.txs.map((tx) => toBase64(tx)) : null,
  };
}

const numUnconfirmedTxs: RpcMethod = {
  params: [],
  async run({ backend }) {
    return unconfirmed(backend, 0, false);
  },
};

const unconfirmedTxs: RpcMethod = {
  params: ["limit"],
  async run({ backend }, params) {
    return unconfirmed(backend, resolvePerPage({ per_page: params["limit"] }), true);
  },
};

export const INFO_METHODS: Record<string, RpcMethod> = {
  status,
  health,
  abci_info: abciInfo,
  abci_query: abciQuery,
  genesis,
  consensus_params: consensusParams,
  validators,
  net_info: netInfo,
  num_unconfirmed_txs: numUnconfirmedTxs,
  unconfirmed_txs: unconfirmedTxs,
};
