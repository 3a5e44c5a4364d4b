// Stateless checks of message fields (validateBasic) and genesis records: each returns the checked
// value or throws the module's typed error naming the field.
import { CID } from "multiformats/cid";
import { isValidAddress } from "../../chain/crypto/bech32.ts";
import { toBigInt } from "../proto-values.ts";
import { checkAddress } from "../validation.ts";
import type { IdentityParams } from "./codec.ts";
import { identityError } from "./errors.ts";
import { MAX_CID_CHARS, MAX_OPERATORS, MAX_REASON_BYTES, SECTOR_CODE_PATTERN } from "./keys.ts";

/** Multicodec "raw" (the blob is opaque ciphertext) and multihash "sha2-256", 32-byte digest. */
export const RAW_CODEC = 0x55;
export const SHA2_256_CODE = 0x12;
export const SHA2_256_BYTES = 32;

export { checkAddress };

/** A profile CID: CIDv1, raw codec, sha2-256, written in its canonical base32 form (one spelling
 * per CID, so the CID index cannot hold the same blob twice). Returns its binary form. */
export function checkCid(text: string | null | undefined, field = "profile_cid"): Uint8Array {
  const value = text ?? "";
  if (value.length === 0 || value.length > MAX_CID_CHARS)
    throw identityError("invalidCid", `${field} must be a CIDv1 of 1 to ${MAX_CID_CHARS} characters`);
  let cid: CID;
  try {
    cid = CID.parse(value);
  } catch (error) {
    throw identityError(
      "invalidCid",
      `${field} ${JSON.stringify(value)} does not parse: ${(error as Error).message}`,
    );
  }
  if (cid.version !== 1 || cid.code !== RAW_CODEC)
    throw identityError("invalidCid", `${field} must be a CIDv1 with the raw codec (0x55)`);
  if (cid.multihash.code !== SHA2_256_CODE || cid.multihash.digest.length !== SHA2_256_BYTES)
    throw identityError("invalidCid", `${field} must hash with sha2-256 (32-byte digest)`);
  if (cid.toString() !== value)
    throw identityError("invalidCid", `${field} must be written in base32 as ${cid.toString()}`);
  return cid.bytes;
}

export function checkSectorCode(sector: string | null | undefined): string {
  if (typeof sector !== "string" || !SECTOR_CODE_PATTERN.test(sector))
    throw identityError("invalidSector", `sector ${JSON.stringify(sector ?? "")} is not 4 characters A-Z0-9`);
  return sector;
}

export function checkTokenId(id: { toString(): string } | number | null | undefined): bigint {
  const value = toBigInt(id);
  if (value === 0n) throw identityError("invalidTokenId", "token_id must be at least 1");
  return value;
}

const utf8 = new TextEncoder();
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export function checkReason(reason: string | null | undefined): string {
  const text = reason ?? "";
  if (text.trim() === "") throw identityError("invalidReason", "a revocation needs a reason");
  if (utf8.encode(text).length > MAX_REASON_BYTES)
    throw identityError("invalidReason", `reason is longer than ${MAX_REASON_BYTES} bytes`);
  if (CONTROL_CHARACTERS.test(text)) throw identityError("invalidReason", "reason has control characters");
  return text;
}

export function checkParams(
  params:
    | {
        consortiumOperators?:
          | readonly { address?: string | null; power?: { toString(): string } | null }[]
          | null;
      }
    | null
    | undefined,
): IdentityParams {
  const operators = params?.consortiumOperators ?? [];
  if (operators.length > MAX_OPERATORS)
    throw identityError("invalidParams", `more than ${MAX_OPERATORS} consortium operators`);
  const seen = new Set<string>();
  return {
    consortiumOperators: operators.map((operator, index) => {
      const address = operator.address ?? "";
      if (!isValidAddress(address))
        throw identityError(
          "invalidParams",
          `consortium_operators[${index}]: invalid address ${JSON.stringify(address)}`,
        );
      if (seen.has(address)) throw identityError("invalidParams", `duplicate consortium operator ${address}`);
      seen.add(address);
      const power = toBigInt(operator.power);
      if (power <= 0n)
        throw identityError("invalidParams", `consortium_operators[${index}]: power must be positive`);
      return { address, power };
    }),
  };
}
