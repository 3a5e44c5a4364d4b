// parseGenesis: reads genesis.json and checks it as CometBFT (GenesisDoc.ValidateAndComplete) and
// the Cosmos SDK auth and bank modules (GenesisState.Validate) would, with errors naming the field.

import { decodeAddress, encodeAddress } from "../chain/crypto/bech32.ts";
import { ed25519Address } from "../chain/crypto/ed25519.ts";
import { fromBase64, fromHex, toHex } from "../chain/crypto/hash.ts";
import { secp256k1Address } from "../chain/crypto/secp256k1.ts";
import type { Timestamp } from "../chain/types/block.ts";
import {
  addCoins,
  type Coin,
  coinsEqual,
  parseAmount,
  validateCoins,
  validateDenom,
} from "../chain/types/coin.ts";
import { checkPoaAgreement } from "./poa.ts";
import { array, boolean, GenesisError, int64, object, string, uint64 } from "./read.ts";
import { parseRfc3339 } from "./time.ts";
import {
  type AuthGenesis,
  BASE_ACCOUNT_TYPE_URL,
  type BankGenesis,
  type Genesis,
  type GenesisConsensusParams,
  type GenesisJson,
  type GenesisValidator,
  SECP256K1_PUB_KEY_TYPE_URL,
} from "./types.ts";

export { GenesisError } from "./read.ts";

/** CometBFT MaxChainIDLen. */
export const MAX_CHAIN_ID_LENGTH = 50;
/** CometBFT MaxTotalVotingPower: int64 max / 8, so proposer priorities cannot overflow. */
export const MAX_TOTAL_VOTING_POWER = ((1n << 63n) - 1n) / 8n;
/** CometBFT MaxBlockSizeBytes (100 MiB). */
export const MAX_BLOCK_SIZE_BYTES = 104_857_600n;
/** A consortium has tens of validators; this bound only rejects nonsense before we hash it all. */
const MAX_GENESIS_VALIDATORS = 10_000;
/** Large enough for a big airdrop genesis; bounds memory before the file is walked. */
const MAX_GENESIS_ACCOUNTS = 10_000_000;
/** Genesis files of public Cosmos chains reach a few hundred MB; we stop at 512 MiB. */
export const MAX_GENESIS_BYTES = 512 * 1024 * 1024;
/** Longest validator name kept (CometBFT does not bound it; logs and RPC show it). */
const MAX_VALIDATOR_NAME_LENGTH = 256;
const ED25519_PUB_KEY_TYPE = "tendermint/PubKeyEd25519";

/** Parses and validates a genesis document given as JSON text or as an already parsed value. */
export function parseGenesis(input: string | unknown): Genesis {
  let value = input;
  if (typeof input === "string") {
    if (input.length > MAX_GENESIS_BYTES) throw new GenesisError("(file)", "is larger than 512 MiB");
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new GenesisError("(file)", `not valid JSON: ${(error as Error).message}`);
    }
  }
  const doc = object(value, "(document)");
  const chainId = parseChainId(doc["chain_id"]);
  let genesisTime: Timestamp;
  try {
    genesisTime = parseRfc3339(string(doc["genesis_time"], "genesis_time"));
  } catch (error) {
    if (error instanceof GenesisError) throw error;
    throw new GenesisError("genesis_time", (error as Error).message);
  }
  // CometBFT treats initial_height 0 as 1.
  let initialHeight = int64(doc["initial_height"] ?? "1", "initial_height", 0n);
  if (initialHeight === 0n) initialHeight = 1n;
  const consensusParams = parseConsensusParams(doc["consensus_params"]);
  const validators = parseValidators(doc["validators"], consensusParams);
  const appHashText = string(doc["app_hash"] ?? "", "app_hash");
  let appHash: Uint8Array;
  try {
    appHash = fromHex(appHashText);
  } catch {
    throw new GenesisError("app_hash", "must be hex (or empty)");
  }
  const appState = object(doc["app_state"], "app_state");
  const auth = parseAuth(appState["auth"]);
  const bank = parseBank(appState["bank"]);
  checkPoaAgreement(appState, validators);
  return {
    genesisTime,
    chainId,
    initialHeight,
    consensusParams,
    validators,
    appHash,
    appState: appState as GenesisJson["app_state"],
    modules: { auth, bank },
    json: doc as unknown as GenesisJson,
  };
}

function parseChainId(value: unknown): string {
  const chainId = string(value, "chain_id");
  if (chainId.trim() === "") throw new GenesisError("chain_id", "must not be empty");
  if (chainId.length > MAX_CHAIN_ID_LENGTH) {
    throw new GenesisError(
      "chain_id",
      `must be at most ${MAX_CHAIN_ID_LENGTH} characters, got ${chainId.length}`,
    );
  }
  return chainId;
}

/** CometBFT 0.38 defaults, used when consensus_params is absent (as CometBFT does). */
export const DEFAULT_CONSENSUS_PARAMS_JSON = {
  block: { max_bytes: "22020096", max_gas: "-1" },
  evidence: { max_age_num_blocks: "100000", max_age_duration: "172800000000000", max_bytes: "1048576" },
  validator: { pub_key_types: ["ed25519"] },
  version: { app: "0" },
  abci: { vote_extensions_enable_height: "0" },
};

function parseConsensusParams(value: unknown): GenesisConsensusParams {
  const field = "consensus_params";
  const params = object(value ?? DEFAULT_CONSENSUS_PARAMS_JSON, field);
  const block = object(params["block"], `${field}.block`);
  const maxBytes = int64(block["max_bytes"], `${field}.block.max_bytes`, -1n);
  if (maxBytes === 0n || maxBytes > MAX_BLOCK_SIZE_BYTES) {
    throw new GenesisError(
      `${field}.block.max_bytes`,
      `must be -1 or 1..${MAX_BLOCK_SIZE_BYTES}, got ${maxBytes}`,
    );
  }
  const maxGas = int64(block["max_gas"], `${field}.block.max_gas`, -1n);
  const evidence = object(params["evidence"], `${field}.evidence`);
  const maxAgeNumBlocks = int64(evidence["max_age_num_blocks"], `${field}.evidence.max_age_num_blocks`, 1n);
  const maxAgeDurationNs = int64(evidence["max_age_duration"], `${field}.evidence.max_age_duration`, 1n);
  const evidenceMaxBytes = int64(evidence["max_bytes"], `${field}.evidence.max_bytes`, 0n);
  const blockLimit = maxBytes === -1n ? MAX_BLOCK_SIZE_BYTES : maxBytes;
  if (evidenceMaxBytes > blockLimit) {
    throw new GenesisError(`${field}.evidence.max_bytes`, `must not exceed block.max_bytes (${blockLimit})`);
  }
  const validator = object(params["validator"], `${field}.validator`);
  const types = array(validator["pub_key_types"], `${field}.validator.pub_key_types`, 16);
  if (types.length === 0) throw new GenesisError(`${field}.validator.pub_key_types`, "must not be empty");
  const pubKeyTypes = types.map((type, i) => {
    const name = string(type, `${field}.validator.pub_key_types[${i}]`);
    if (name !== "ed25519") {
      throw new GenesisError(
        `${field}.validator.pub_key_types[${i}]`,
        `unsupported key type ${JSON.stringify(name)} (only ed25519)`,
      );
    }
    return name;
  });
  const version = object(params["version"], `${field}.version`);
  const abci = object(params["abci"] ?? { vote_extensions_enable_height: "0" }, `${field}.abci`);
  return {
    block: { maxBytes, maxGas },
    evidence: { maxAgeNumBlocks, maxAgeDurationNs, maxBytes: evidenceMaxBytes },
    validator: { pubKeyTypes },
    version: { app: uint64(version["app"], `${field}.version.app`) },
    abci: {
      voteExtensionsEnableHeight: int64(
        abci["vote_extensions_enable_height"],
        `${field}.abci.vote_extensions_enable_height`,
        0n,
      ),
    },
  };
}

function parseValidators(value: unknown, params: GenesisConsensusParams): GenesisValidator[] {
  const list = array(value, "validators", MAX_GENESIS_VALIDATORS);
  if (list.length === 0)
    throw new GenesisError("validators", "must list at least one validator (proof of authority)");
  const seen = new Set<string>();
  let totalPower = 0n;
  return list.map((entry, i) => {
    const field = `validators[${i}]`;
    const validator = object(entry, field);
    const pubKey = object(validator["pub_key"], `${field}.pub_key`);
    if (pubKey["type"] !== ED25519_PUB_KEY_TYPE || !params.validator.pubKeyTypes.includes("ed25519")) {
      throw new GenesisError(`${field}.pub_key.type`, `must be ${ED25519_PUB_KEY_TYPE}`);
    }
    const keyBytes = base64Field(pubKey["value"], `${field}.pub_key.value`);
    if (keyBytes.length !== 32) {
      throw new GenesisError(
        `${field}.pub_key.value`,
        `must be a 32-byte ed25519 key, got ${keyBytes.length} bytes`,
      );
    }
    const address = ed25519Address(keyBytes);
    const addressText = string(validator["address"] ?? "", `${field}.address`);
    // CometBFT fills an empty address in from the key; a given one must match it.
    if (addressText !== "" && addressText.toUpperCase() !== toHex(address).toUpperCase()) {
      throw new GenesisError(
        `${field}.address`,
        `${addressText} does not match pub_key (expected sha256(pub_key)[:20] = ${toHex(address).toUpperCase()})`,
      );
    }
    const id = toHex(address);
    if (seen.has(id)) throw new GenesisError(`${field}.address`, `duplicate validator ${id.toUpperCase()}`);
    seen.add(id);
    const power = int64(validator["power"], `${field}.power`);
    if (power <= 0n) throw new GenesisError(`${field}.power`, `must be positive, got ${power}`);
    totalPower += power;
    if (totalPower > MAX_TOTAL_VOTING_POWER) {
      throw new GenesisError("validators", `total voting power exceeds ${MAX_TOTAL_VOTING_POWER}`);
    }
    const name = string(validator["name"] ?? "", `${field}.name`);
    if (name.length > MAX_VALIDATOR_NAME_LENGTH) {
      throw new GenesisError(`${field}.name`, `must be at most ${MAX_VALIDATOR_NAME_LENGTH} characters`);
    }
    return { address, pubKey: keyBytes, power, name };
  });
}

function base64Field(value: unknown, field: string): Uint8Array {
  try {
    return fromBase64(string(value, field));
  } catch (error) {
    if (error instanceof GenesisError) throw error;
    throw new GenesisError(field, "must be standard padded base64");
  }
}

function addressField(value: unknown, field: string): string {
  const address = string(value, field);
  try {
    decodeAddress(address);
  } catch (error) {
    throw new GenesisError(field, (error as Error).message);
  }
  return address;
}

function coinsField(value: unknown, field: string): Coin[] {
  const coins = array(value, field, 1024).map((entry, i) => {
    const coin = object(entry, `${field}[${i}]`);
    try {
      return {
        denom: validateDenom(coin["denom"], `${field}[${i}].denom`),
        amount: parseAmount(coin["amount"], `${field}[${i}].amount`),
      };
    } catch (error) {
      throw new GenesisError(`${field}[${i}]`, (error as Error).message);
    }
  });
  try {
    validateCoins(coins, field);
  } catch (error) {
    throw new GenesisError(field, (error as Error).message);
  }
  return coins;
}

function parseAuth(value: unknown): AuthGenesis {
  const field = "app_state.auth";
  const auth = object(value, field);
  const params = object(auth["params"], `${field}.params`);
  // x/auth Params.Validate: every parameter must be positive.
  const param = (name: string): bigint => uint64(params[name], `${field}.params.${name}`, 1n);
  const parsedParams = {
    maxMemoCharacters: param("max_memo_characters"),
    txSigLimit: param("tx_sig_limit"),
    txSizeCostPerByte: param("tx_size_cost_per_byte"),
    sigVerifyCostEd25519: param("sig_verify_cost_ed25519"),
    sigVerifyCostSecp256k1: param("sig_verify_cost_secp256k1"),
  };
  const addresses = new Set<string>();
  const numbers = new Set<bigint>();
  const accounts = array(auth["accounts"], `${field}.accounts`, MAX_GENESIS_ACCOUNTS).map((entry, i) => {
    const at = `${field}.accounts[${i}]`;
    const account = object(entry, at);
    if (account["@type"] !== BASE_ACCOUNT_TYPE_URL) {
      throw new GenesisError(
        `${at}.@type`,
        `must be ${BASE_ACCOUNT_TYPE_URL}, got ${JSON.stringify(account["@type"])}`,
      );
    }
    const address = addressField(account["address"], `${at}.address`);
    if (addresses.has(address)) throw new GenesisError(`${at}.address`, `duplicate account ${address}`);
    addresses.add(address);
    let pubKey: Uint8Array | null = null;
    if (account["pub_key"] !== null && account["pub_key"] !== undefined) {
      const key = object(account["pub_key"], `${at}.pub_key`);
      if (key["@type"] !== SECP256K1_PUB_KEY_TYPE_URL) {
        throw new GenesisError(`${at}.pub_key.@type`, `must be ${SECP256K1_PUB_KEY_TYPE_URL}`);
      }
      pubKey = base64Field(key["key"], `${at}.pub_key.key`);
      if (pubKey.length !== 33)
        throw new GenesisError(`${at}.pub_key.key`, "must be a 33-byte compressed key");
      if (encodeAddress(secp256k1Address(pubKey)) !== address) {
        throw new GenesisError(`${at}.pub_key`, `does not belong to address ${address}`);
      }
    }
    const accountNumber = uint64(account["account_number"], `${at}.account_number`);
    if (numbers.has(accountNumber)) {
      throw new GenesisError(`${at}.account_number`, `duplicate account number ${accountNumber}`);
    }
    numbers.add(accountNumber);
    return { address, pubKey, accountNumber, sequence: uint64(account["sequence"], `${at}.sequence`) };
  });
  return { params: parsedParams, accounts };
}

function parseBank(value: unknown): BankGenesis {
  const field = "app_state.bank";
  const bank = object(value, field);
  const params = object(bank["params"], `${field}.params`);
  const defaultSendEnabled = boolean(params["default_send_enabled"], `${field}.params.default_send_enabled`);
  const legacySendEnabled = params["send_enabled"] ?? [];
  if (array(legacySendEnabled, `${field}.params.send_enabled`, 10_000).length > 0) {
    throw new GenesisError(`${field}.params.send_enabled`, "is deprecated; use app_state.bank.send_enabled");
  }
  const seenAddresses = new Map<string, Uint8Array>();
  const balances = array(bank["balances"], `${field}.balances`, MAX_GENESIS_ACCOUNTS).map((entry, i) => {
    const at = `${field}.balances[${i}]`;
    const balance = object(entry, at);
    const address = addressField(balance["address"], `${at}.address`);
    if (seenAddresses.has(address))
      throw new GenesisError(`${at}.address`, `duplicate balance for ${address}`);
    seenAddresses.set(address, decodeAddress(address));
    return { address, coins: coinsField(balance["coins"], `${at}.coins`) };
  });
  const supply = coinsField(bank["supply"] ?? [], `${field}.supply`);
  if (supply.length > 0) {
    const total = balances.reduce<Coin[]>((sum, balance) => addCoins(sum, balance.coins), []);
    if (!coinsEqual(total, supply)) {
      throw new GenesisError(
        `${field}.supply`,
        "must equal the sum of all balances (or be empty to have it computed)",
      );
    }
  }
  const denomMetadata = array(bank["denom_metadata"] ?? [], `${field}.denom_metadata`, 10_000);
  denomMetadata.forEach((entry, i) => {
    const metadata = object(entry, `${field}.denom_metadata[${i}]`);
    try {
      validateDenom(metadata["base"], `${field}.denom_metadata[${i}].base`);
    } catch (error) {
      throw new GenesisError(`${field}.denom_metadata[${i}].base`, (error as Error).message);
    }
  });
  const seenDenoms = new Set<string>();
  const sendEnabled = array(bank["send_enabled"] ?? [], `${field}.send_enabled`, 10_000).map((entry, i) => {
    const at = `${field}.send_enabled[${i}]`;
    const item = object(entry, at);
    let denom: string;
    try {
      denom = validateDenom(item["denom"], `${at}.denom`);
    } catch (error) {
      throw new GenesisError(`${at}.denom`, (error as Error).message);
    }
    if (seenDenoms.has(denom)) throw new GenesisError(`${at}.denom`, `duplicate denom ${denom}`);
    seenDenoms.add(denom);
    return { denom, enabled: boolean(item["enabled"], `${at}.enabled`) };
  });
  let nativeDenom: string;
  try {
    nativeDenom = validateDenom(bank["native_denom"], `${field}.native_denom`);
  } catch (error) {
    throw new GenesisError(`${field}.native_denom`, (error as Error).message);
  }
  return { params: { defaultSendEnabled }, balances, supply, denomMetadata, sendEnabled, nativeDenom };
}
