// The validator operator's account key that signs daily commitments (README.md, Daily commitments):
// mqtt.operator_key_file, relative to the node's home, JSON {"mnemonic": "..."} (Cosmos HD path, as
// cosmjs derives it) or {"private_key": "<64 hex>"}. Like an ssh key, a file that group or others may
// read is refused: it controls the operator's funds and its vote on every device-day.
import { createECDH } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { writeFileAtomic } from "../../chain/config/files.ts";
import { homePaths } from "../../chain/config/home.ts";
import { parseToml, renderConfigToml } from "../../chain/config/toml-file.ts";
import { ACCOUNT_PREFIX, encodeAddress } from "../../chain/crypto/bech32.ts";
import { deriveKey, MnemonicError } from "../../chain/crypto/mnemonic.ts";
import { secp256k1Address } from "../../chain/crypto/secp256k1.ts";

/** A key file is a few hundred bytes; anything far larger is not one. */
export const MAX_OPERATOR_KEY_FILE_BYTES = 4096;
/** Permission bits (group and others) that must be clear, as ssh requires of private keys. */
const FORBIDDEN_MODE_BITS = 0o077;

export type OperatorKeyErrorCode =
  | "operator_key_missing"
  | "operator_key_permissions"
  | "operator_key_malformed";

export class OperatorKeyError extends Error {
  readonly code: OperatorKeyErrorCode;
  readonly file: string;
  constructor(code: OperatorKeyErrorCode, file: string, message: string) {
    super(`operator key ${file}: ${message}`);
    this.code = code;
    this.file = file;
  }
}

export interface OperatorKey {
  /** bech32 account address (prefix of the chain, `sensor`). */
  address: string;
  privateKey: Uint8Array;
  /** 33-byte compressed secp256k1 public key. */
  publicKey: Uint8Array;
}

/** The key of 32 bytes → the operator's address and public key (OpenSSL's point multiplication: the
 * same point as @noble's secp256k1PublicKey, without building its tables at a node's start). */
export function operatorKeyFromPrivateKey(privateKey: Uint8Array, prefix = ACCOUNT_PREFIX): OperatorKey {
  const ecdh = createECDH("secp256k1");
  ecdh.setPrivateKey(privateKey);
  const publicKey = Uint8Array.from(ecdh.getPublicKey(null, "compressed"));
  return { address: encodeAddress(secp256k1Address(publicKey), prefix), privateKey, publicKey };
}

/** Parses the file's text; `file` names it in errors. */
export function parseOperatorKey(text: string, file: string, prefix = ACCOUNT_PREFIX): OperatorKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new OperatorKeyError(
      "operator_key_malformed",
      file,
      'not JSON; expected {"mnemonic": "..."} or {"private_key": "<hex>"}',
    );
  }
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new OperatorKeyError("operator_key_malformed", file, "expected a JSON object");
  const fields = Object.keys(json);
  const unknown = fields.find((field) => field !== "mnemonic" && field !== "private_key");
  if (unknown !== undefined)
    throw new OperatorKeyError("operator_key_malformed", file, `unknown field ${JSON.stringify(unknown)}`);
  if (fields.length !== 1)
    throw new OperatorKeyError(
      "operator_key_malformed",
      file,
      'give exactly one of "mnemonic" and "private_key"',
    );
  const { mnemonic, private_key: privateKeyHex } = json as { mnemonic?: unknown; private_key?: unknown };
  if (mnemonic !== undefined) {
    if (typeof mnemonic !== "string")
      throw new OperatorKeyError("operator_key_malformed", file, '"mnemonic" must be a string');
    try {
      return operatorKeyFromPrivateKey(deriveKey(mnemonic).privateKey, prefix);
    } catch (error) {
      if (error instanceof MnemonicError)
        throw new OperatorKeyError("operator_key_malformed", file, `bad mnemonic: ${error.message}`);
      throw error;
    }
  }
  if (typeof privateKeyHex !== "string" || !/^[0-9a-fA-F]{64}$/.test(privateKeyHex))
    throw new OperatorKeyError("operator_key_malformed", file, '"private_key" must be 64 hex characters');
  const privateKey = Uint8Array.from(Buffer.from(privateKeyHex, "hex"));
  try {
    return operatorKeyFromPrivateKey(privateKey, prefix);
  } catch {
    throw new OperatorKeyError("operator_key_malformed", file, '"private_key" is not a valid secp256k1 key');
  }
}

/** Reads mqtt.operator_key_file (`path` relative to `home` unless absolute). */
export function loadOperatorKey(home: string, path: string, prefix = ACCOUNT_PREFIX): OperatorKey {
  const file = isAbsolute(path) ? path : join(home, path);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch {
    throw new OperatorKeyError("operator_key_missing", file, "no such file (mqtt.operator_key_file)");
  }
  if (!stat.isFile()) throw new OperatorKeyError("operator_key_malformed", file, "not a regular file");
  if ((stat.mode & FORBIDDEN_MODE_BITS) !== 0)
    throw new OperatorKeyError(
      "operator_key_permissions",
      file,
      `readable by group or others (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600`,
    );
  if (stat.size > MAX_OPERATOR_KEY_FILE_BYTES)
    throw new OperatorKeyError(
      "operator_key_malformed",
      file,
      `larger than ${MAX_OPERATOR_KEY_FILE_BYTES} bytes`,
    );
  return parseOperatorKey(readFileSync(file, "utf8"), file, prefix);
}

/** Where `init`-style tools put the operator key, relative to the home. */
export const DEFAULT_OPERATOR_KEY_FILE = "config/operator_key.json";

/** Writes `{"mnemonic"}` to `home/DEFAULT_OPERATOR_KEY_FILE` (mode 600) and points mqtt.operator_key_file
 * at it in config.toml: a development home or devnet validator then commits days on its own. */
export function installOperatorKey(home: string, mnemonic: string): void {
  const paths = homePaths(home);
  writeFileAtomic(join(home, DEFAULT_OPERATOR_KEY_FILE), `${JSON.stringify({ mnemonic })}\n`, 0o600);
  const document = parseToml(readFileSync(paths.configFile, "utf8"), paths.configFile);
  const mqtt = document["mqtt"];
  document["mqtt"] = {
    ...(mqtt !== null && typeof mqtt === "object" ? mqtt : {}),
    operator_key_file: DEFAULT_OPERATOR_KEY_FILE,
  };
  writeFileAtomic(paths.configFile, renderConfigToml(document));
}
