// Consumer proofs (bridge-mqtt/consumers/login.ts) without a broker: the address rule is cosmjs',
// each form is accepted only in its own domain, and every malformed, stale, foreign or high-S proof
// is refused with its code.
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import test from "ava";
import {
  accountOf,
  authenticateConsumerHttp,
  authenticateConsumerMqtt,
  CONSUMER_HTTP_DOMAIN,
  CONSUMER_MQTT_DOMAIN,
  ConsumerLoginRefused,
  consumerHttpAuthorization,
  consumerLoginMessage,
  consumerPassword,
  consumerPasswordWithSigner,
  isConsumerUsername,
} from "../../bridge-mqtt/consumers/login.ts";
import { signSecp256k1 } from "../../chain/crypto/secp256k1.ts";
import { newAccount } from "./consumer-helpers.ts";

const CHAIN = "sensorchain-login-1";
const NOW = 1_763_712_000_000;
const account = newAccount();
const other = newAccount();

function mqttLogin(fields: { password: string; username?: string; clientId?: string; nowMs?: number }) {
  const username = fields.username ?? account.address;
  return authenticateConsumerMqtt({
    chainId: CHAIN,
    clientId: fields.clientId ?? username,
    username,
    password: Buffer.from(fields.password),
    nowMs: fields.nowMs ?? NOW,
  });
}

function refusedWith(t: import("ava").ExecutionContext, attempt: () => unknown, code: string) {
  const error = t.throws(attempt, { instanceOf: ConsumerLoginRefused });
  t.is(error?.code as string | undefined, code);
}

test("the address of a key is cosmjs' address of it", async (t) => {
  const wallet = await DirectSecp256k1Wallet.fromKey(account.privateKey, "sensor");
  const [cosmjs] = await wallet.getAccounts();
  t.is(accountOf(account.privateKey).address, cosmjs!.address);
  t.deepEqual(accountOf(account.privateKey).publicKey, cosmjs!.pubkey);
});

test("MQTT: a fresh proof for the address gets in, with the address or <address>/… as client id", (t) => {
  const password = consumerPassword(CHAIN, account.privateKey, NOW);
  t.is(mqttLogin({ password }), account.address);
  t.is(mqttLogin({ password, clientId: `${account.address}/service-1` }), account.address);
  t.is(mqttLogin({ password, nowMs: NOW + 29_000 }), account.address);
  const { publicKey } = accountOf(account.privateKey);
  const signed = consumerPasswordWithSigner(CHAIN, publicKey, NOW, (message) =>
    signSecp256k1(message, account.privateKey),
  );
  t.is(signed, password, "a signer outside the process gives the same password");
  t.true(isConsumerUsername(account.address));
  t.false(isConsumerUsername("D035_0001"));
});

test("MQTT: refused by reason", (t) => {
  const password = consumerPassword(CHAIN, account.privateKey, NOW);
  refusedWith(t, () => mqttLogin({ password, nowMs: NOW + 31_000 }), "stale");
  refusedWith(
    t,
    () => mqttLogin({ password: consumerPassword("other-chain", account.privateKey, NOW) }),
    "bad_signature",
  );
  refusedWith(t, () => mqttLogin({ password, username: other.address }), "address_mismatch");
  refusedWith(t, () => mqttLogin({ password, clientId: "D035_0001" }), "malformed");
  refusedWith(t, () => mqttLogin({ password, clientId: `${account.address}x` }), "malformed");
  refusedWith(t, () => mqttLogin({ password, clientId: other.address }), "malformed");
  refusedWith(t, () => mqttLogin({ password: `${password}=` }), "malformed");
  refusedWith(t, () => mqttLogin({ password: password.replace(/^[0-9]+/, "01") }), "malformed");
  refusedWith(t, () => mqttLogin({ password, username: "sensor1notanaddress" }), "malformed");
  // The HTTP proof's signature is over another domain: not an MQTT password.
  const [, , key, signature] = consumerHttpAuthorization(CHAIN, account.privateKey, NOW).split(".");
  refusedWith(t, () => mqttLogin({ password: `${NOW}.${key}.${signature}` }), "bad_signature");
});

test("a high-S signature of the right message is refused (Cosmos accepts low-S only)", (t) => {
  const { publicKey } = accountOf(account.privateKey);
  const message = consumerLoginMessage(CONSUMER_MQTT_DOMAIN, CHAIN, account.address, NOW);
  const low = signSecp256k1(message, account.privateKey);
  const n = secp256k1.Point.CURVE().n;
  const s = BigInt(`0x${Buffer.from(low.subarray(32)).toString("hex")}`);
  const high = Buffer.concat([
    low.subarray(0, 32),
    Buffer.from((n - s).toString(16).padStart(64, "0"), "hex"),
  ]);
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  t.is(mqttLogin({ password: `${NOW}.${b64(publicKey)}.${b64(low)}` }), account.address);
  refusedWith(t, () => mqttLogin({ password: `${NOW}.${b64(publicKey)}.${b64(high)}` }), "bad_signature");
});

test("HTTP: the Authorization header names the address; refused by reason", (t) => {
  const header = consumerHttpAuthorization(CHAIN, account.privateKey, NOW);
  t.is(authenticateConsumerHttp({ chainId: CHAIN, authorization: header, nowMs: NOW }), account.address);
  const http =
    (authorization: string | undefined, nowMs = NOW) =>
    () =>
      authenticateConsumerHttp({ chainId: CHAIN, authorization, nowMs });
  refusedWith(t, http(undefined), "malformed");
  refusedWith(t, http(header.replace("Sensorchain ", "Bearer ")), "malformed");
  refusedWith(t, http(header, NOW - 31_000), "stale");
  refusedWith(t, http(header.replace(account.address, other.address)), "address_mismatch");
  refusedWith(t, http(consumerHttpAuthorization("other-chain", account.privateKey, NOW)), "bad_signature");
  const mqttProof = consumerPassword(CHAIN, account.privateKey, NOW);
  refusedWith(t, http(`Sensorchain ${account.address}.${mqttProof}`), "bad_signature");
  t.not(CONSUMER_HTTP_DOMAIN, CONSUMER_MQTT_DOMAIN);
});
