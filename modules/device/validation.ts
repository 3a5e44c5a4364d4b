// Stateless checks of message fields (validateBasic) and genesis records: each returns the checked
// value as a module type or throws the module's typed error naming the field.
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { isValidDenom, parseAmount } from "../../chain/app/coins.ts";
import { AbciError } from "../../chain/app/errors.ts";
import { toHex } from "../../chain/crypto/hash.ts";
import type { sensorchain } from "../../proto/gen/device.js";
import { checkAddress } from "../validation.ts";
import {
  type DeviceMetadata,
  type DeviceParams,
  type DevicePublicKey,
  type KeyTypeName,
  keyTypeName,
  pricingUnitName,
  type ShareTerms,
} from "./codec.ts";
import { deviceError } from "./errors.ts";
import {
  DEVICE_ID_PATTERN,
  MAX_LOCATION_HINT_BYTES,
  MAX_MODEL_BYTES,
  MAX_SECTOR_CODES,
  MAX_UNIT_BYTES,
  SECTOR_CODE_PATTERN,
} from "./keys.ts";

/** Raw public key length per type: ed25519 RFC 8032, the others SEC1 compressed points. */
export const PUBLIC_KEY_BYTES: Readonly<Record<KeyTypeName, number>> = {
  ed25519: 32,
  secp256k1: 33,
  p256: 33,
};
/** Keys already found on their curve (decoding a point costs ~0.1-0.3 ms; checkTx and deliver both
 * check a message). Positive verdicts only; bounded, oldest dropped first. */
const MAX_VALIDATED_KEYS_CACHED = 10_000;
const validatedKeys = new Set<string>();

export { checkAddress };

export function checkDeviceId(id: string | null | undefined): string {
  if (typeof id !== "string" || !DEVICE_ID_PATTERN.test(id))
    throw deviceError(
      "invalidDeviceId",
      `${JSON.stringify(id ?? "")} is not SSSS_NNNN (4-character sector code, "_", 4 to 10 digits)`,
    );
  return id;
}

/** Throws unless the bytes decode to a point of the curve that is not of small order / identity. */
function checkOnCurve(type: KeyTypeName, key: Uint8Array): void {
  if (type === "ed25519") {
    if (ed25519.Point.fromBytes(key).isSmallOrder()) throw new Error("small-order point");
  } else if (type === "secp256k1") {
    if (key[0] !== 0x02 && key[0] !== 0x03) throw new Error("not a compressed point");
    secp256k1.Point.fromBytes(key).assertValidity();
  } else {
    if (key[0] !== 0x02 && key[0] !== 0x03) throw new Error("not a compressed point");
    p256.Point.fromBytes(key).assertValidity();
  }
}

export function publicKeyFromProto(
  message: sensorchain.device.v1.IDevicePublicKey | null | undefined,
  field = "public_key",
): DevicePublicKey {
  const type = keyTypeName(message?.type);
  if (type === undefined)
    throw deviceError("invalidPublicKey", `${field}.type must be ed25519, secp256k1 or p256`);
  const key = message?.key ?? new Uint8Array(0);
  if (key.length !== PUBLIC_KEY_BYTES[type])
    throw deviceError(
      "invalidPublicKey",
      `${field}: a ${type} key is ${PUBLIC_KEY_BYTES[type]} bytes, got ${key.length}`,
    );
  const id = `${type}:${toHex(key)}`;
  if (!validatedKeys.has(id)) {
    try {
      checkOnCurve(type, key);
    } catch (error) {
      throw deviceError(
        "invalidPublicKey",
        `${field} is not a valid ${type} key: ${(error as Error).message}`,
      );
    }
    if (validatedKeys.size >= MAX_VALIDATED_KEYS_CACHED)
      validatedKeys.delete(validatedKeys.values().next().value!);
    validatedKeys.add(id);
  }
  return { type, key: Uint8Array.from(key) };
}

const utf8 = new TextEncoder();
/** C0/C1 controls and DEL: metadata is shown in CLIs and explorers. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

function checkText(value: string | null | undefined, field: string, maxBytes: number): string {
  const text = value ?? "";
  if (utf8.encode(text).length > maxBytes)
    throw deviceError("invalidMetadata", `${field} is longer than ${maxBytes} bytes`);
  if (CONTROL_CHARACTERS.test(text)) throw deviceError("invalidMetadata", `${field} has control characters`);
  return text;
}

export function metadataFromProto(
  message: sensorchain.device.v1.IDeviceMetadata | null | undefined,
): DeviceMetadata {
  return {
    model: checkText(message?.model, "metadata.model", MAX_MODEL_BYTES),
    unit: checkText(message?.unit, "metadata.unit", MAX_UNIT_BYTES),
    locationHint: checkText(message?.locationHint, "metadata.location_hint", MAX_LOCATION_HINT_BYTES),
  };
}

export function shareTermsFromProto(
  message: sensorchain.device.v1.IShareTerms | null | undefined,
): ShareTerms {
  const unit = pricingUnitName(message?.unit);
  if (unit === undefined) throw deviceError("invalidShareTerms", "terms.unit must be per_day or per_reading");
  const denom = message?.price?.denom ?? "";
  if (!isValidDenom(denom))
    throw deviceError("invalidShareTerms", `invalid price denom ${JSON.stringify(denom)}`);
  let amount: bigint;
  try {
    amount = parseAmount(message?.price?.amount || "0", "price amount");
  } catch (error) {
    throw deviceError("invalidShareTerms", error instanceof AbciError ? error.log : String(error));
  }
  return { unit, price: { denom, amount } };
}

export function checkParams(
  params: { sectorCodes?: readonly string[] | null } | null | undefined,
): DeviceParams {
  const codes = params?.sectorCodes ?? [];
  if (codes.length === 0) throw deviceError("invalidParams", "sector_codes is empty");
  if (codes.length > MAX_SECTOR_CODES)
    throw deviceError("invalidParams", `more than ${MAX_SECTOR_CODES} sector codes`);
  const seen = new Set<string>();
  for (const code of codes) {
    if (!SECTOR_CODE_PATTERN.test(code))
      throw deviceError("invalidParams", `sector code ${JSON.stringify(code)} is not 4 characters A-Z0-9`);
    if (seen.has(code)) throw deviceError("invalidParams", `duplicate sector code ${code}`);
    seen.add(code);
  }
  return { sectorCodes: [...codes] };
}
