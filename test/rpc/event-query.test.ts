// The subscription query matcher: CometBFT query syntax and 0.38 "any value matches" semantics.
import test from "ava";
import { RpcError } from "../../chain/rpc/errors.ts";
import { MAX_QUERY_LENGTH, matchesEventQuery, parseEventQuery } from "../../chain/rpc/event-query.ts";

const events = {
  "tm.event": ["Tx"],
  "tx.height": ["12"],
  "tx.hash": ["ABCDEF"],
  "message.sender": ["sensor1alice", "sensor1bob"],
  "transfer.amount": ["5000uapp"],
  "sensor.device.v1.EventDeviceRegistered.owner": ["sensor1alice"],
};
const matches = (query: string): boolean => matchesEventQuery(parseEventQuery(query), events);

test("equality on strings and numbers, any value of a key", (t) => {
  t.true(matches("tm.event='Tx'"));
  t.false(matches("tm.event='NewBlock'"));
  t.true(matches("tm.event = 'Tx' AND tx.height=12"));
  t.true(matches("message.sender='sensor1bob'"));
  t.true(matches("sensor.device.v1.EventDeviceRegistered.owner='sensor1alice'"));
  t.false(matches("tx.height=13"));
  t.false(matches("missing.key='x'"));
});

test("comparisons, CONTAINS and EXISTS", (t) => {
  t.true(matches("tx.height>11 AND tx.height<=12"));
  t.false(matches("tx.height>12"));
  t.true(matches("tx.height>=12.0"));
  t.true(matches("transfer.amount CONTAINS 'uapp'"));
  t.true(matches("transfer.amount EXISTS"));
  t.false(matches("transfer.recipient EXISTS"));
  // A non-numeric value never satisfies a numeric condition.
  t.false(matches("tx.hash>1"));
});

test("malformed queries are invalid params", (t) => {
  for (const bad of [
    "",
    "tm.event",
    "tm.event=",
    "tm.event='Tx' AND",
    "tm.event='Tx' OR tx.height=1",
    "= 'x'",
    "a='unterminated",
    "tx.time > TIME 2020-01-01T00:00:00Z",
    "x".repeat(MAX_QUERY_LENGTH + 1),
  ]) {
    const error = t.throws(() => parseEventQuery(bad), { instanceOf: RpcError }, bad);
    t.is(error?.code, -32602, bad);
  }
});

test("keys named like Object.prototype members are plain data", (t) => {
  t.false(matches("constructor EXISTS"));
  t.false(matches("__proto__='x'"));
});
