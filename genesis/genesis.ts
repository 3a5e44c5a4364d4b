// The genesis package: format types, parsing/validation, builders and file helpers.
import { readFileSync, statSync } from "node:fs";
import { writeFileAtomic } from "../chain/config/files.ts";
import { GenesisError, MAX_GENESIS_BYTES, parseGenesis } from "./parse.ts";
import type { Genesis, GenesisJson } from "./types.ts";

export * from "./build.ts";
export { DEFAULT_CONSENSUS_PARAMS_JSON, GenesisError, MAX_CHAIN_ID_LENGTH, parseGenesis } from "./parse.ts";
export { addPoaValidator, checkPoaAgreement, type PoaOperatorInput } from "./poa.ts";
export { formatRfc3339, parseRfc3339, timestampFromDate } from "./time.ts";
export * from "./types.ts";

/** Reads and validates a genesis file. */
export function loadGenesis(file: string): Genesis {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new GenesisError("(file)", `${file} does not exist or cannot be read`);
  }
  if (size > MAX_GENESIS_BYTES) throw new GenesisError("(file)", `${file} is larger than 512 MiB`);
  return parseGenesis(readFileSync(file, "utf8"));
}

/** The name chain/node.ts and chain/replay.ts import. */
export const loadGenesisFile = loadGenesis;

/** Validates, then writes a genesis file atomically, in the indented layout CometBFT writes. */
export function saveGenesis(file: string, json: GenesisJson): void {
  parseGenesis(json);
  writeFileAtomic(file, `${JSON.stringify(json, null, 2)}\n`);
}
