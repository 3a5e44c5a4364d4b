// The poa section of genesis.json (app_state.poa): adding a validator's operator, moniker and node
// id for a CometBFT genesis validator, and the check that the two lists agree. The module itself
// validates the section in full (modules/poa/genesis.ts); this file keeps genesis/ free of it.

import { decodeAddress } from "../chain/crypto/bech32.ts";
import { toBase64 } from "../chain/crypto/hash.ts";
import { GenesisError } from "./read.ts";
import type { GenesisJson, GenesisValidator } from "./types.ts";

export interface PoaOperatorInput {
  /** 32-byte ed25519 consensus key of a validator already in `validators`. */
  publicKey: Uint8Array;
  /** bech32 sensor1… account that signs this validator's governance txs. */
  operator: string;
  /** libp2p node id of the validator's node. */
  nodeId: string;
  /** Defaults to the CometBFT validator's name. */
  moniker?: string;
}

interface PoaValidatorJson {
  pub_key?: unknown;
  power?: unknown;
}

/** Adds (or replaces) the poa record of a genesis validator, with the same key and power. Returns a
 * new document; the input is not changed. */
export function addPoaValidator(input: GenesisJson, entry: PoaOperatorInput): GenesisJson {
  decodeAddress(entry.operator);
  const json = structuredClone(input);
  const key = toBase64(entry.publicKey);
  const validator = json.validators.find((v) => v.pub_key.value === key);
  if (validator === undefined)
    throw new GenesisError("app_state.poa.validators", `${key} is not a genesis validator`);
  const poa = (json.app_state.poa ?? {}) as { validators?: Record<string, unknown>[] };
  const validators = (poa.validators ?? []).filter((v) => v.pub_key !== key);
  validators.push({
    pub_key: key,
    power: validator.power,
    operator: entry.operator,
    moniker: entry.moniker ?? (validator.name || "validator"),
    node_id: entry.nodeId,
  });
  json.app_state.poa = { ...poa, validators };
  return json;
}

/** When app_state.poa lists validators, those with power > 0 must be exactly the genesis
 * `validators` (same keys and powers): InitChain refuses the genesis otherwise. */
export function checkPoaAgreement(
  appState: Record<string, unknown>,
  validators: readonly GenesisValidator[],
): void {
  const poa = appState.poa as { validators?: unknown } | undefined;
  if (poa === undefined || poa === null || typeof poa !== "object") return;
  const list = poa.validators;
  if (!Array.isArray(list) || list.length === 0) return;
  const field = "app_state.poa.validators";
  const fromPoa = (list as PoaValidatorJson[])
    .filter((v) => String(v.power ?? "0") !== "0")
    .map((v) => `${String(v.pub_key)}:${String(v.power)}`)
    .sort();
  const fromComet = validators.map((v) => `${toBase64(v.pubKey)}:${v.power}`).sort();
  if (fromPoa.length !== fromComet.length || fromPoa.some((entry, i) => entry !== fromComet[i]))
    throw new GenesisError(
      field,
      `keys and powers (${fromPoa.join(", ")}) differ from the genesis validators (${fromComet.join(", ")})`,
    );
}
