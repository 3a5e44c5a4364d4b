// Tx files (chain/cli/tx-file.ts): the SDK JSON that --generate-only and `tx sign` print reads back
// into the same protobuf bytes, for Cosmos and sensorchain messages (enums, bytes, nested messages,
// fields left at their defaults); malformed files are refused with invalid_tx_file naming the problem.
import test from "ava";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { decodeTx, encodeTx, parseTxJson, txJson } from "../../chain/cli/tx-file.ts";
import {
  createRegistry,
  KeyType,
  MSG_REGISTER_DEVICE,
  MSG_SHARE_DEVICE,
  PricingUnit,
} from "../../client/index.ts";

const OWNER = "sensor19rl4cm2hmr8afy4kldpxz3fka4jguq0azye9nl";

function sampleTx(): Tx {
  const registry = createRegistry();
  const messages = [
    {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: OWNER, toAddress: OWNER, amount: [{ denom: "usensor", amount: "12" }] },
    },
    {
      typeUrl: MSG_REGISTER_DEVICE,
      value: {
        owner: OWNER,
        deviceId: "D035_0001",
        publicKey: { type: KeyType.KEY_TYPE_ED25519, key: new Uint8Array(32).fill(7) },
        metadata: { model: "m", unit: "", locationHint: "" },
      },
    },
    {
      typeUrl: MSG_SHARE_DEVICE,
      value: {
        owner: OWNER,
        deviceId: "D035_0001",
        terms: { unit: PricingUnit.PRICING_UNIT_PER_DAY, price: { denom: "usensor", amount: "0" } },
      },
    },
  ];
  return Tx.fromPartial({
    body: { messages: messages.map((message) => registry.encodeAsAny(message)), memo: "memo ü" },
    authInfo: { fee: { amount: [{ denom: "usensor", amount: "5000" }], gasLimit: 200_000n } },
    signatures: [new Uint8Array(64).fill(9)],
  });
}

test("the SDK JSON of a tx reads back to the same bytes; decode inverts encode", (t) => {
  const tx = sampleTx();
  const text = JSON.stringify(txJson(tx));
  const parsed = parseTxJson(text, "sample");
  t.deepEqual(Buffer.from(encodeTx(parsed)), Buffer.from(encodeTx(tx)));
  t.deepEqual(txJson(decodeTx(encodeTx(tx), "bytes")), txJson(tx));
  const json = JSON.parse(text);
  t.is(json.body.messages[1]["@type"], MSG_REGISTER_DEVICE);
  t.is(json.body.messages[1].device_id, "D035_0001");
  // simd prints unset messages as null ("tip": null): accepted, meaning nothing.
  json.auth_info.tip = null;
  t.deepEqual(
    Buffer.from(encodeTx(parseTxJson(JSON.stringify(json), "with tip"))),
    Buffer.from(encodeTx(tx)),
  );
});

test("malformed tx files are refused with invalid_tx_file and what is wrong", (t) => {
  const good = txJson(sampleTx()) as { body: { messages: Record<string, unknown>[] } };
  const refused = (value: unknown, message: RegExp) => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const error = t.throws(() => parseTxJson(text, "f.json"), { message });
    t.is((error as { code?: string }).code, "invalid_tx_file");
  };
  refused("{", /f\.json: not JSON/);
  refused([], /expected a tx object/);
  refused({ body: {} }, /"auth_info"/);
  const edit = (change: (json: typeof good) => void) => {
    const copy = structuredClone(good);
    change(copy);
    return copy;
  };
  refused(
    edit((json) => {
      json.body.messages[0]!["@type"] = "/no.such.Msg";
    }),
    /unknown message type \/no\.such\.Msg/,
  );
  refused(
    edit((json) => {
      json.body.messages[0]!["@type"] = 5;
    }),
    /"@type" must be a string/,
  );
  refused(
    edit((json) => {
      json.body.messages[1]!["device_idd"] = "x";
    }),
    /unknown field body\.messages\[1\]\.device_idd/,
  );
  let deep: unknown = {};
  for (let i = 0; i < 100; i++) deep = { nested: deep };
  refused(
    edit((json) => {
      (json.body as Record<string, unknown>)["memo"] = deep;
    }),
    /nested deeper/,
  );
  t.throws(() => decodeTx(Uint8Array.of(0xff, 0xff), "bytes"), { message: /not a protobuf TxRaw/ });
});
