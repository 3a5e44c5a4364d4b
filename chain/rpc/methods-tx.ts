// Transaction routes: broadcast_tx_async/sync/commit, check_tx, tx, tx_search.
import type { ExecTxResult } from "../app/abci.ts";
import { sha256 } from "../crypto/hash.ts";
import type { MethodContext, RpcMethod } from "./context.ts";
import { internalError } from "./errors.ts";
import { base64OrNull, encodeIndexedTx, encodeTxResult, hexUpper } from "./json.ts";
import { checkPage, resolveOrderBy, resolvePage, resolvePerPage } from "./paging.ts";
import { optionalBoolean, type Params, requiredBytes, requiredString } from "./params.ts";

/** broadcast_tx_commit calls allowed to wait at once: each holds a connection and a waiter in the
 * node for up to timeoutBroadcastTxCommitMs (CometBFT's max_subscription_clients default is 100). */
export const MAX_WAITING_BROADCAST_TX_COMMIT = 100;

const EMPTY_EXEC_RESULT: ExecTxResult = {
  code: 0,
  data: new Uint8Array(),
  log: "",
  info: "",
  gasWanted: 0n,
  gasUsed: 0n,
  events: [],
  codespace: "",
};

function readTx(params: Params): Uint8Array {
  const tx = requiredBytes(params, "tx");
  if (tx.length === 0) throw internalError("tx is empty");
  return tx;
}

const broadcastTxAsync: RpcMethod = {
  params: ["tx"],
  async run({ backend, logger }, params) {
    const tx = readTx(params);
    // Async means "accepted for checking": the result of CheckTx is not awaited, only logged.
    backend
      .broadcastTx(tx)
      .catch((error: unknown) => logger.warn({ err: error }, "broadcast_tx_async failed"));
    return { code: 0, data: null, log: "", codespace: "", hash: hexUpper(sha256(tx)) };
  },
};

const broadcastTxSync: RpcMethod = {
  params: ["tx"],
  async run({ backend }, params) {
    const tx = readTx(params);
    const check = await backend.broadcastTx(tx);
    // CometBFT prints data as hex here (HexBytes); cosmjs decodes it as base64, and CheckTx data is
    // empty in practice, so base64 is what keeps cosmjs working if it ever is not.
    return {
      code: check.code,
      data: base64OrNull(check.data),
      log: check.log,
      codespace: check.codespace,
      hash: hexUpper(sha256(tx)),
    };
  },
};

async function broadcastAndWait(context: MethodContext, tx: Uint8Array) {
  const { backend, waitingCommits } = context;
  if (waitingCommits.count >= MAX_WAITING_BROADCAST_TX_COMMIT) {
    throw internalError(`max_subscription_clients ${MAX_WAITING_BROADCAST_TX_COMMIT} reached`);
  }
  waitingCommits.count++;
  const hash = sha256(tx);
  const done = new AbortController();
  const timeout = AbortSignal.timeout(context.timeoutBroadcastTxCommitMs);
  const signal = AbortSignal.any([done.signal, timeout, context.closing]);
  // Wait before broadcasting: the tx may be committed before broadcastTx even returns.
  const inclusion = backend.waitForTx(hash, signal);
  inclusion.catch(() => {}); // observed below, or deliberately abandoned when CheckTx fails
  try {
    const check = await backend.broadcastTx(tx);
    const base = { check_tx: encodeTxResult(check), hash: hexUpper(hash) };
    if (check.code !== 0) return { ...base, tx_result: encodeTxResult(EMPTY_EXEC_RESULT), height: "0" };
    try {
      const included = await inclusion;
      return { ...base, tx_result: encodeTxResult(included.result), height: included.height.toString() };
    } catch (error) {
      if (timeout.aborted) throw internalError("timed out waiting for tx to be included in a block");
      if (context.closing.aborted) throw internalError("server is shutting down");
      throw error;
    }
  } finally {
    done.abort();
    waitingCommits.count--;
  }
}

const broadcastTxCommit: RpcMethod = {
  params: ["tx"],
  async run(context, params) {
    return broadcastAndWait(context, readTx(params));
  },
};

const checkTx: RpcMethod = {
  params: ["tx"],
  async run({ backend }, params) {
    const tx = readTx(params);
    if (backend.checkTx === undefined) throw internalError("check_tx is not supported by this node");
    return encodeTxResult(await backend.checkTx(tx));
  },
};

function rejectProofs(params: Params): void {
  // Merkle proofs of txs are not produced yet; saying so beats silently omitting `proof`.
  if (optionalBoolean(params, "prove") === true)
    throw internalError("tx proofs are not supported by this node");
}

const tx: RpcMethod = {
  params: ["hash", "prove"],
  async run({ backend }, params) {
    const hash = requiredBytes(params, "hash");
    rejectProofs(params);
    const found = await backend.blockStore.loadTx(hash);
    if (found === undefined) throw internalError(`tx (${hexUpper(hash)}) not found`);
    return encodeIndexedTx(found);
  },
};

const txSearch: RpcMethod = {
  params: ["query", "prove", "page", "per_page", "order_by"],
  async run({ backend }, params) {
    const query = requiredString(params, "query");
    rejectProofs(params);
    const page = resolvePage(params);
    const perPage = resolvePerPage(params);
    const orderBy = resolveOrderBy(params);
    const found = await backend.blockStore.searchTxs(query, { page, perPage, orderBy });
    checkPage(page, perPage, found.totalCount);
    return { txs: found.txs.map(encodeIndexedTx), total_count: found.totalCount.toString() };
  },
};

export const TX_METHODS: Record<string, RpcMethod> = {
  broadcast_tx_async: broadcastTxAsync,
  broadcast_tx_sync: broadcastTxSync,
  broadcast_tx_commit: broadcastTxCommit,
  check_tx: checkTx,
  tx,
  tx_search: txSearch,
};
