// The node's own key files, in CometBFT's JSON formats: priv_validator_key.json (the ed25519
// consensus key), node_key.json (the p2p identity) and data/priv_validator_state.json (last signed
// height/round/step, the double-sign guard).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { ED25519_SEED_BYTES, Ed25519Signer } from "../crypto/ed25519.ts";
import { bytesEqual, fromBase64, toBase64, toHex } from "../crypto/hash.ts";
import { HomeError } from "./errors.ts";
import { writeFileAtomic } from "./files.ts";

export const PUB_KEY_ED25519_TYPE = "tendermint/PubKeyEd25519";
export const PRIV_KEY_ED25519_TYPE = "tendermint/PrivKeyEd25519";
/** Key files are tiny; a bound stops a wrong path (a database, a log) from being read whole. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

export interface PrivValidatorKeyJson {
  address: string;
  pub_key: { type: string; value: string };
  priv_key: { type: string; value: string };
}

export interface NodeKeyJson {
  priv_key: { type: string; value: string };
}

export interface PrivValidatorStateJson {
  height: string;
  round: number;
  step: number;
  signature?: string;
  signbytes?: string;
}

export interface Ed25519KeyPair {
  /** 32-byte seed: the private key as node:crypto and RFC 8032 take it. */
  seed: Uint8Array;
  publicKey: Uint8Array;
  /** sha256(publicKey)[:20], the CometBFT address. */
  address: Uint8Array;
}

export function generateEd25519KeyPair(seed: Uint8Array = randomBytes(ED25519_SEED_BYTES)): Ed25519KeyPair {
  const signer = new Ed25519Signer(seed);
  return { seed: new Uint8Array(seed), publicKey: signer.publicKey, address: signer.address };
}

/** CometBFT stores ed25519 private keys as seed‖publicKey, 64 bytes, base64. */
function encodePrivKey(pair: Ed25519KeyPair): { type: string; value: string } {
  const bytes = new Uint8Array(64);
  bytes.set(pair.seed, 0);
  bytes.set(pair.publicKey, 32);
  return { type: PRIV_KEY_ED25519_TYPE, value: toBase64(bytes) };
}

function decodePrivKey(value: unknown, file: string): Ed25519KeyPair {
  const key = value as { type?: unknown; value?: unknown } | null;
  if (typeof key !== "object" || key === null || key.type !== PRIV_KEY_ED25519_TYPE) {
    throw new HomeError(`${file}: priv_key.type must be ${PRIV_KEY_ED25519_TYPE}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(String(key.value));
  } catch {
    throw new HomeError(`${file}: priv_key.value is not base64`);
  }
  if (bytes.length !== 64)
    throw new HomeError(`${file}: priv_key.value must be 64 bytes, got ${bytes.length}`);
  const pair = generateEd25519KeyPair(bytes.subarray(0, 32));
  if (!bytesEqual(pair.publicKey, bytes.subarray(32))) {
    throw new HomeError(`${file}: priv_key.value holds a public key that does not match its seed`);
  }
  return pair;
}

function readJson(file: string): unknown {
  if (!existsSync(file)) throw new HomeError(`${file} does not exist (run \`sensorchain init\` first)`);
  const text = readFileSync(file);
  if (text.length > MAX_KEY_FILE_BYTES) throw new HomeError(`${file}: file too large for a key file`);
  try {
    return JSON.parse(text.toString("utf8"));
  } catch (error) {
    throw new HomeError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
}

export function encodePrivValidatorKey(pair: Ed25519KeyPair): PrivValidatorKeyJson {
  return {
    address: toHex(pair.address).toUpperCase(),
    pub_key: { type: PUB_KEY_ED25519_TYPE, value: toBase64(pair.publicKey) },
    priv_key: encodePrivKey(pair),
  };
}

/** Loads priv_validator_key.json and checks that address, public and private key agree. */
export function loadPrivValidatorKey(file: string): Ed25519KeyPair {
  const json = readJson(file) as Partial<PrivValidatorKeyJson> | null;
  if (typeof json !== "object" || json === null) throw new HomeError(`${file}: must be a JSON object`);
  const pair = decodePrivKey(json.priv_key, file);
  if (json.pub_key?.type !== PUB_KEY_ED25519_TYPE || json.pub_key.value !== toBase64(pair.publicKey)) {
    throw new HomeError(`${file}: pub_key does not match priv_key`);
  }
  if (typeof json.address !== "string" || json.address.toUpperCase() !== toHex(pair.address).toUpperCase()) {
    throw new HomeError(`${file}: address does not match pub_key (expected sha256(pub_key)[:20])`);
  }
  return pair;
}

export function encodeNodeKey(pair: Ed25519KeyPair): NodeKeyJson {
  return { priv_key: encodePrivKey(pair) };
}

export function loadNodeKey(file: string): Ed25519KeyPair {
  const json = readJson(file) as Partial<NodeKeyJson> | null;
  if (typeof json !== "object" || json === null) throw new HomeError(`${file}: must be a JSON object`);
  return decodePrivKey(json.priv_key, file);
}

export const INITIAL_PRIV_VALIDATOR_STATE: PrivValidatorStateJson = { height: "0", round: 0, step: 0 };

/** Writes a key file readable by its owner only (0600), as CometBFT does. */
export function saveJsonSecret(file: string, json: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(json, null, 2)}\n`, 0o600);
}
