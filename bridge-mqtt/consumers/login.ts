// Consumer login (bridge-mqtt/README.md, Consumers): an account proves it holds the secp256k1 key
// of its bech32 address, as Cosmos accounts sign (64-byte low-S r‖s over sha256). Over MQTT:
//   username = <sensor1… address>, clientId = <address> or <address>/<suffix>,
//   password = "<unix ms>.<base64 33-byte compressed key>.<base64 64-byte signature>"
// over "sensorchain-mqtt-consumer/v1|<chain id>|<address>|<unix ms>". Over HTTP:
//   Authorization: Sensorchain <address>.<unix ms>.<base64 key>.<base64 signature>
// over "sensorchain-http-auth/v1|<chain id>|<address>|<unix ms>". The domains differ so one cannot
// be replayed as the other; the time bounds reuse (AUTH_MAX_SKEW_MS, as for devices).

import { decodeAddress, encodeAddress } from "../../chain/crypto/bech32.ts";
import { bytesEqual } from "../../chain/crypto/hash.ts";
import {
  secp256k1Address,
  secp256k1PublicKey,
  signSecp256k1,
  verifySecp256k1,
} from "../../chain/crypto/secp256k1.ts";
import { AUTH_MAX_SKEW_MS } from "../auth.ts";

export const CONSUMER_MQTT_DOMAIN = "sensorchain-mqtt-consumer/v1";
export const CONSUMER_HTTP_DOMAIN = "sensorchain-http-auth/v1";
/** The bech32 prefix of accounts: a username with it is a consumer, anything else a device id. */
export const CONSUMER_USERNAME_PREFIX = "sensor1";
/** A password is at most 16 digits, 44 + 88 base64 characters and two dots. */
const MAX_PASSWORD_BYTES = 256;
/** Longest client id a consumer may use: address (46) + "/" + a suffix. MQTT 3.1.1 servers must take
 * 23 bytes; aedes takes any, so the bound is ours. */
export const MAX_CONSUMER_CLIENT_ID_BYTES = 128;
/** An address is the prefix, "1", 32 characters of a 20-byte payload and 6 of checksum. */
const MAX_ADDRESS_BYTES = 90;
const TIME = "(0|[1-9][0-9]{0,15})";
const KEY = "([A-Za-z0-9+/]{44})";
const SIGNATURE = "([A-Za-z0-9+/]{86}==)";
const PASSWORD_PATTERN = new RegExp(`^${TIME}\\.${KEY}\\.${SIGNATURE}$`);
const HTTP_AUTH_PATTERN = new RegExp(
  `^Sensorchain ([a-z0-9]{1,${MAX_ADDRESS_BYTES}})\\.${TIME}\\.${KEY}\\.${SIGNATURE}$`,
);

/** `busy`: the bridge holds MAX_CONSUMER_SESSIONS consumers already (CONNACK 3, try another). */
export type ConsumerLoginFailure = "malformed" | "stale" | "bad_signature" | "address_mismatch" | "busy";

/** Why a consumer login was refused (MQTT CONNACK 4, HTTP 401); `code` is stable. */
export class ConsumerLoginRefused extends Error {
  readonly code: ConsumerLoginFailure;
  constructor(code: ConsumerLoginFailure, message: string) {
    super(message);
    this.name = "ConsumerLoginRefused";
    this.code = code;
  }
}

export function isConsumerUsername(username: string | undefined): boolean {
  return username?.startsWith(CONSUMER_USERNAME_PREFIX) === true;
}

export function consumerLoginMessage(
  domain: typeof CONSUMER_MQTT_DOMAIN | typeof CONSUMER_HTTP_DOMAIN,
  chainId: string,
  address: string,
  timestampMs: number,
): Uint8Array {
  return new TextEncoder().encode(`${domain}|${chainId}|${address}|${timestampMs}`);
}

/** The MQTT password of a consumer holding `privateKey` (32 bytes, secp256k1); username = its address. */
export function consumerPassword(chainId: string, privateKey: Uint8Array, timestampMs: number): string {
  return consumerPasswordWithSigner(chainId, secp256k1PublicKey(privateKey), timestampMs, (message) =>
    signSecp256k1(message, privateKey),
  );
}

/** The MQTT password from a compressed public key and a signer that signs as Cosmos accounts do
 * (64-byte low-S r‖s over sha256 of the message): for keys held by a wallet or a device's HSM. */
export function consumerPasswordWithSigner(
  chainId: string,
  publicKey: Uint8Array,
  timestampMs: number,
  sign: (message: Uint8Array) => Uint8Array,
): string {
  const address = encodeAddress(secp256k1Address(publicKey));
  const signature = sign(consumerLoginMessage(CONSUMER_MQTT_DOMAIN, chainId, address, timestampMs));
  return `${timestampMs}.${b64(publicKey)}.${b64(signature)}`;
}

/** The HTTP Authorization header value of a consumer holding `privateKey`. */
export function consumerHttpAuthorization(
  chainId: string,
  privateKey: Uint8Array,
  timestampMs: number,
): string {
  const { address, publicKey } = accountOf(privateKey);
  const signature = signSecp256k1(
    consumerLoginMessage(CONSUMER_HTTP_DOMAIN, chainId, address, timestampMs),
    privateKey,
  );
  return `Sensorchain ${address}.${timestampMs}.${b64(publicKey)}.${b64(signature)}`;
}

/** The bech32 account address (cosmjs rule: ripemd160(sha256(compressed key))) of a private key. */
export function accountOf(privateKey: Uint8Array): { address: string; publicKey: Uint8Array } {
  const publicKey = secp256k1PublicKey(privateKey);
  return { address: encodeAddress(secp256k1Address(publicKey)), publicKey };
}

/** Checks an MQTT consumer login; returns the account address, throws ConsumerLoginRefused. */
export function authenticateConsumerMqtt(options: {
  chainId: string;
  clientId: string;
  username: string;
  password: Uint8Array | undefined;
  nowMs: number;
}): string {
  const { username, clientId } = options;
  if (username.length > MAX_ADDRESS_BYTES)
    throw new ConsumerLoginRefused("malformed", "username is too long");
  // The client id names the session: one bound to the address cannot take over a device's session
  // (device ids never start with sensor1) nor another account's.
  if (
    clientId.length > MAX_CONSUMER_CLIENT_ID_BYTES ||
    (clientId !== username && !clientId.startsWith(`${username}/`))
  )
    throw new ConsumerLoginRefused(
      "malformed",
      "a consumer's client id must be its address or <address>/<suffix> (at most 128 bytes)",
    );
  const password = options.password;
  if (password === undefined || password.length > MAX_PASSWORD_BYTES)
    throw new ConsumerLoginRefused("malformed", "password missing or too long");
  const match = PASSWORD_PATTERN.exec(Buffer.from(password).toString("latin1"));
  if (match === null)
    throw new ConsumerLoginRefused("malformed", "password is not <unix ms>.<base64 key>.<base64 signature>");
  verifyProof(
    CONSUMER_MQTT_DOMAIN,
    options.chainId,
    username,
    match[1]!,
    match[2]!,
    match[3]!,
    options.nowMs,
  );
  return username;
}

/** Checks an HTTP Authorization header; returns the account address, throws ConsumerLoginRefused. */
export function authenticateConsumerHttp(options: {
  chainId: string;
  authorization: string | undefined;
  nowMs: number;
}): string {
  const header = options.authorization;
  if (header === undefined || header.length > MAX_PASSWORD_BYTES + MAX_ADDRESS_BYTES + 16)
    throw new ConsumerLoginRefused(
      "malformed",
      "Authorization: Sensorchain <address>.<unix ms>.<key>.<signature> is missing",
    );
  const match = HTTP_AUTH_PATTERN.exec(header);
  if (match === null)
    throw new ConsumerLoginRefused(
      "malformed",
      "Authorization must be Sensorchain <address>.<unix ms>.<base64 key>.<base64 signature>",
    );
  verifyProof(
    CONSUMER_HTTP_DOMAIN,
    options.chainId,
    match[1]!,
    match[2]!,
    match[3]!,
    match[4]!,
    options.nowMs,
  );
  return match[1]!;
}

function verifyProof(
  domain: typeof CONSUMER_MQTT_DOMAIN | typeof CONSUMER_HTTP_DOMAIN,
  chainId: string,
  address: string,
  time: string,
  keyBase64: string,
  signatureBase64: string,
  nowMs: number,
): void {
  let addressBytes: Uint8Array;
  try {
    addressBytes = decodeAddress(address);
  } catch {
    throw new ConsumerLoginRefused(
      "malformed",
      `${JSON.stringify(address)} is not a sensor1… account address`,
    );
  }
  const timestampMs = Number(time);
  if (Math.abs(timestampMs - nowMs) > AUTH_MAX_SKEW_MS)
    throw new ConsumerLoginRefused(
      "stale",
      `login time is more than ${AUTH_MAX_SKEW_MS} ms from the bridge's`,
    );
  const publicKey = Buffer.from(keyBase64, "base64");
  if (!bytesEqual(secp256k1Address(publicKey), addressBytes))
    throw new ConsumerLoginRefused("address_mismatch", "the public key is not the key of this address");
  const signature = Buffer.from(signatureBase64, "base64");
  if (!verifySecp256k1(signature, consumerLoginMessage(domain, chainId, address, timestampMs), publicKey))
    throw new ConsumerLoginRefused("bad_signature", "login signature does not verify with the public key");
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
