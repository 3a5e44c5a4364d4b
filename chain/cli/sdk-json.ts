// Cosmos types as the Cosmos SDK's CLI prints them (`simd query tx <hash> --output json`, `simd query
// auth account`): proto3 JSON with the .proto field names (snake_case), 64-bit integers as strings,
// bytes in base64, enums by name, and every Any of a known type expanded to {"@type": url, ...fields}.
// Scripts written against simd read it unchanged.
import { type GeneratedType, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes } from "@cosmjs/stargate";
import { BaseAccount, ModuleAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { TxResponse } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { LegacyAminoPubKey } from "cosmjs-types/cosmos/crypto/multisig/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { sensorchainTypes } from "../../client/index.ts";
import { camelToSnake } from "../util/case.ts";

/** A registered type that can also print a decoded message as (camelCase) proto3 JSON. */
interface JsonType {
  decode(bytes: Uint8Array): unknown;
  toJSON(message: unknown): unknown;
}

/** Every type an Any we print can hold: txs, accounts, public keys, every message we know. */
export function jsonRegistry(): Registry {
  return new Registry([
    ...defaultRegistryTypes,
    ...sensorchainTypes,
    ["/cosmos.tx.v1beta1.Tx", Tx as GeneratedType],
    ["/cosmos.auth.v1beta1.BaseAccount", BaseAccount as GeneratedType],
    ["/cosmos.auth.v1beta1.ModuleAccount", ModuleAccount as GeneratedType],
    ["/cosmos.crypto.secp256k1.PubKey", Secp256k1PubKey as GeneratedType],
    ["/cosmos.crypto.ed25519.PubKey", Ed25519PubKey as GeneratedType],
    ["/cosmos.crypto.multisig.LegacyAminoPubKey", LegacyAminoPubKey as GeneratedType],
  ]);
}

function hasToJson(type: unknown): type is JsonType {
  return typeof (type as Partial<JsonType> | undefined)?.toJSON === "function";
}

/** cosmjs-types and protobufjs print an Any as {typeUrl, value: base64}, and no other message so. */
function isAnyJson(value: object): value is { typeUrl: string; value: string } {
  return (
    Object.keys(value).length === 2 &&
    typeof (value as { typeUrl?: unknown }).typeUrl === "string" &&
    typeof (value as { value?: unknown }).value === "string"
  );
}

/** camelCase proto3 JSON (cosmjs-types' and protobufjs' toJSON) → the .proto names, Anys expanded. */
function protoJson(value: unknown, registry: Registry): unknown {
  if (Array.isArray(value)) return value.map((entry) => protoJson(entry, registry));
  if (typeof value !== "object" || value === null) return value;
  if (isAnyJson(value)) return expandAny(value.typeUrl, value.value, registry);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .map(([key, entry]) => [camelToSnake(key), protoJson(entry, registry)]),
  );
}

function expandAny(typeUrl: string, base64: string, registry: Registry): unknown {
  const type = registry.lookupType(typeUrl);
  // An unknown type stays opaque: protojson could not print its fields either.
  if (!hasToJson(type)) return { "@type": typeUrl, value: base64 };
  const fields = protoJson(type.toJSON(type.decode(Buffer.from(base64, "base64"))), registry);
  return { "@type": typeUrl, ...(fields as object) };
}

export function txResponseJson(response: TxResponse): unknown {
  return protoJson(TxResponse.toJSON(response), jsonRegistry());
}

/** Any cosmjs-types message (a query response) as the SDK prints it. */
export function messageJson<T>(type: { toJSON(message: T): unknown }, message: T): unknown {
  return protoJson(type.toJSON(message), jsonRegistry());
}

/** An Any (an account, a public key) as the SDK prints it: {"@type": url, ...fields}. */
export function anyJson(typeUrl: string, value: Uint8Array): unknown {
  return expandAny(typeUrl, Buffer.from(value).toString("base64"), jsonRegistry());
}
