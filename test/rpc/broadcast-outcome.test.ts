// The devnet bench's sender reads each broadcast_tx_sync answer into a code and, when the tx was not
// admitted, a reason to count by (scripts/bench/devnet-sender.ts): a run whose txs are refused says
// why in its summary (session 9 had two collapsed runs that did not).
import test from "ava";
import {
  type AccountCursor,
  broadcastOutcome,
  RefusalTally,
  settleBroadcast,
  TX_IN_CACHE_CODE,
} from "../../scripts/bench/devnet-sender.ts";

const answer = (result: object) => JSON.stringify({ jsonrpc: "2.0", id: 1, result });

test("an admitted tx has code 0 and no reason", (t) => {
  t.deepEqual(broadcastOutcome(200, answer({ code: 0, data: null, log: "", codespace: "", hash: "AB" })), {
    code: 0,
    reason: "",
    detail: "",
  });
});

test("a CheckTx refusal counts by codespace and code, with its log as the detail", (t) => {
  const outcome = broadcastOutcome(
    200,
    answer({ code: 20, log: "mempool is full: 5000 txs", codespace: "mempool", hash: "AB" }),
  );
  t.deepEqual(outcome, { code: 20, reason: "CheckTx mempool code 20", detail: "mempool is full: 5000 txs" });
});

test("JSON-RPC errors, unreadable answers and answers without a result have no code", (t) => {
  const error = broadcastOutcome(
    200,
    JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      error: { code: -32603, message: "Internal error", data: "tx is empty" },
    }),
  );
  t.deepEqual(error, {
    code: undefined,
    reason: "JSON-RPC error -32603",
    detail: "Internal error: tx is empty",
  });
  t.like(broadcastOutcome(503, "Service Unavailable"), { code: undefined, reason: "HTTP 503, not JSON" });
  t.like(broadcastOutcome(200, "{}"), { code: undefined, reason: "HTTP 200, no result or error" });
});

test("the tally counts refusals by reason, most frequent first, keeping the first detail of each", (t) => {
  const tally = new RefusalTally();
  tally.add(
    broadcastOutcome(
      200,
      answer({ code: 32, log: "account sequence mismatch, expected 4, got 5", codespace: "sdk" }),
    ),
  );
  tally.add(broadcastOutcome(200, answer({ code: 20, log: "mempool is full", codespace: "mempool" })));
  tally.add(
    broadcastOutcome(
      200,
      answer({ code: 32, log: "account sequence mismatch, expected 4, got 6", codespace: "sdk" }),
    ),
  );
  t.deepEqual(tally.entries(), [
    { reason: "CheckTx sdk code 32", count: 2, example: "account sequence mismatch, expected 4, got 5" },
    { reason: "CheckTx mempool code 20", count: 1, example: "mempool is full" },
  ]);
});

test("a refusal rewinds the account to it once its txs in flight are answered; in-cache counts as admitted", (t) => {
  const cursor: AccountCursor = { next: 3, inflight: 3, rewindTo: undefined };
  t.true(
    settleBroadcast(
      cursor,
      0,
      broadcastOutcome(200, answer({ code: TX_IN_CACHE_CODE, codespace: "mempool" })),
    ),
  );
  t.false(settleBroadcast(cursor, 1, broadcastOutcome(200, answer({ code: 20, codespace: "mempool" }))));
  t.is(cursor.next, 3);
  t.false(settleBroadcast(cursor, 2, broadcastOutcome(200, answer({ code: 32, codespace: "sdk" }))));
  t.deepEqual(cursor, { next: 1, inflight: 0, rewindTo: undefined });
});
