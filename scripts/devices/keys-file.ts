// The simulator's device keys (scripts/devices.ts --keys FILE): ed25519 seeds by device id, saved so
// that a rerun reuses devices registered before. The file holds private keys: written owner-only.
import { randomBytes, randomInt } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { Ed25519Signer } from "../../chain/crypto/ed25519.ts";
import { DEVICE_ID_PATTERN, SECTOR_CODE_PATTERN } from "../../modules/device/keys.ts";

export const KEYS_FILE_VERSION = 1;
/** Device numbers of a fresh fleet start at a random base in [MIN, MAX): 10-digit ids, so that two
 * fleets (or another owner's devices) are unlikely to collide; ids then run consecutively. */
const MIN_FLEET_BASE = 1_000_000_000;
const MAX_FLEET_BASE = 8_999_000_000;

export interface SimulatedDevice {
  id: string;
  signer: Ed25519Signer;
  seedHex: string;
}

interface KeysFileJson {
  version: number;
  devices: { id: string; seed: string }[];
}

export class KeysFileError extends Error {
  readonly code = "bad_keys_file";
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "KeysFileError";
  }
}

/** The devices in `path` (none when it does not exist), checked entry by entry. */
export function loadKeysFile(path: string): SimulatedDevice[] {
  if (!existsSync(path)) return [];
  let json: KeysFileJson;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as KeysFileJson;
  } catch (error) {
    throw new KeysFileError(path, `not JSON (${(error as Error).message})`);
  }
  if (json?.version !== KEYS_FILE_VERSION || !Array.isArray(json.devices))
    throw new KeysFileError(path, `expected {"version": ${KEYS_FILE_VERSION}, "devices": [...]}`);
  const seen = new Set<string>();
  return json.devices.map((entry, index) => {
    if (typeof entry?.id !== "string" || !DEVICE_ID_PATTERN.test(entry.id))
      throw new KeysFileError(path, `devices[${index}].id is not a device id (SSSS_NNNN)`);
    if (seen.has(entry.id)) throw new KeysFileError(path, `devices[${index}].id ${entry.id} is listed twice`);
    seen.add(entry.id);
    if (typeof entry.seed !== "string" || !/^[0-9a-f]{64}$/.test(entry.seed))
      throw new KeysFileError(path, `devices[${index}].seed is not 32 bytes of lowercase hex`);
    return { id: entry.id, seedHex: entry.seed, signer: new Ed25519Signer(Buffer.from(entry.seed, "hex")) };
  });
}

export function saveKeysFile(path: string, devices: readonly SimulatedDevice[]): void {
  const json: KeysFileJson = {
    version: KEYS_FILE_VERSION,
    devices: devices.map((device) => ({ id: device.id, seed: device.seedHex })),
  };
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(json, null, 1)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/** `count` new devices of `sector` with fresh keys, numbered consecutively from a random base. */
export function generateDevices(sector: string, count: number): SimulatedDevice[] {
  if (!SECTOR_CODE_PATTERN.test(sector)) throw new TypeError(`sector ${sector} is not 4 characters A-Z0-9`);
  const base = randomInt(MIN_FLEET_BASE, MAX_FLEET_BASE);
  return Array.from({ length: count }, (_, index) => {
    const seed = randomBytes(32);
    return {
      id: `${sector}_${base + index}`,
      seedHex: seed.toString("hex"),
      signer: new Ed25519Signer(seed),
    };
  });
}
