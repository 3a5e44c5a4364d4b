// Building and editing genesis documents: the base document `sensorchain init` writes, the default
// development genesis, and `genesis add-account`. All work on GenesisJson and re-validate the result.
import { decodeAddress } from "../chain/crypto/bech32.ts";
import { ed25519Address } from "../chain/crypto/ed25519.ts";
import { compareBytes, toBase64, toHex } from "../chain/crypto/hash.ts";
import type { Timestamp } from "../chain/types/block.ts";
import { addCoins, type Coin } from "../chain/types/coin.ts";
import { DEFAULT_CONSENSUS_PARAMS_JSON, GenesisError, parseGenesis } from "./parse.ts";
import { addPoaValidator } from "./poa.ts";
import { formatRfc3339 } from "./time.ts";
import { BASE_ACCOUNT_TYPE_URL, type CoinJson, type GenesisJson } from "./types.ts";

export const DEV_CHAIN_ID = "sensorchain-local-1";
export const NATIVE_DENOM = "usensor";
/** Default voting power of a genesis validator, as CometBFT's `init` writes it. */
export const DEFAULT_VALIDATOR_POWER = 10n;
/** The development account's balance: 1,000,000 SENSOR (10^6 usensor each), plenty for fees and tests. */
export const DEV_ACCOUNT_BALANCE = 1_000_000_000_000n;

/** Cosmos SDK x/auth default parameters. */
export const DEFAULT_AUTH_PARAMS_JSON = {
  max_memo_characters: "256",
  tx_sig_limit: "7",
  tx_size_cost_per_byte: "10",
  sig_verify_cost_ed25519: "590",
  sig_verify_cost_secp256k1: "1000",
};

export interface GenesisValidatorInput {
  /** 32-byte ed25519 consensus public key. */
  publicKey: Uint8Array;
  name: string;
  power?: bigint;
}

export interface BaseGenesisInput {
  chainId: string;
  genesisTime: Timestamp;
  validators: GenesisValidatorInput[];
  nativeDenom?: string;
}

/** A genesis with the given validators and no accounts: what `sensorchain init` writes. */
export function buildGenesis(input: BaseGenesisInput): GenesisJson {
  const json: GenesisJson = {
    genesis_time: formatRfc3339(input.genesisTime),
    chain_id: input.chainId,
    initial_height: "1",
    consensus_params: structuredClone(DEFAULT_CONSENSUS_PARAMS_JSON),
    validators: input.validators.map((validator) => ({
      address: toHex(ed25519Address(validator.publicKey)).toUpperCase(),
      pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(validator.publicKey) },
      power: (validator.power ?? DEFAULT_VALIDATOR_POWER).toString(),
      name: validator.name,
    })),
    app_hash: "",
    app_state: {
      auth: { params: { ...DEFAULT_AUTH_PARAMS_JSON }, accounts: [] },
      bank: {
        params: { default_send_enabled: true },
        balances: [],
        supply: [],
        denom_metadata: [],
        send_enabled: [],
        native_denom: input.nativeDenom ?? NATIVE_DENOM,
      },
    },
  };
  parseGenesis(json);
  return json;
}

/**
 * Adds a funded account (auth BaseAccount + bank balance) as `genesis add-account` does. Account
 * numbers are given in order (0, 1, 2, …) so every account has its own. With `append`, coins are added
 * to an existing account's balance; without it an existing account is an error. A non-empty supply is
 * kept equal to the sum of balances. Returns a new document; the input is not changed.
 */
export function addGenesisAccount(
  input: GenesisJson,
  address: string,
  coins: readonly Coin[],
  options: { append?: boolean } = {},
): GenesisJson {
  parseGenesis(input);
  decodeAddress(address);
  const json = structuredClone(input);
  const { auth, bank } = json.app_state;
  const existing = auth.accounts.find((account) => account.address === address);
  if (existing !== undefined && options.append !== true) {
    throw new GenesisError(
      "app_state.auth.accounts",
      `account ${address} already exists (use --append to add coins)`,
    );
  }
  if (existing === undefined) {
    const next = auth.accounts.reduce((max, account) => {
      const number = BigInt(account.account_number);
      return number >= max ? number + 1n : max;
    }, 0n);
    auth.accounts.push({
      "@type": BASE_ACCOUNT_TYPE_URL,
      address,
      pub_key: null,
      account_number: next.toString(),
      sequence: "0",
    });
  }
  const balance = bank.balances.find((entry) => entry.address === address);
  const toJson = (list: Coin[]): CoinJson[] =>
    list.map((coin) => ({ denom: coin.denom, amount: coin.amount.toString() }));
  const fromJson = (list: CoinJson[]): Coin[] =>
    list.map((coin) => ({ denom: coin.denom, amount: BigInt(coin.amount) }));
  if (balance === undefined) bank.balances.push({ address, coins: toJson(addCoins([], coins)) });
  else balance.coins = toJson(addCoins(fromJson(balance.coins), coins));
  bank.balances.sort((a, b) => compareBytes(decodeAddress(a.address), decodeAddress(b.address)));
  if (bank.supply.length > 0) bank.supply = toJson(addCoins(fromJson(bank.supply), coins));
  parseGenesis(json);
  return json;
}

export interface DevGenesisInput {
  /** The single validator's ed25519 consensus public key (from priv_validator_key.json). */
  validatorPublicKey: Uint8Array;
  validatorName: string;
  /** bech32 address of the development account to fund. */
  devAddress: string;
  genesisTime: Timestamp;
  chainId?: string;
  nativeDenom?: string;
  devBalance?: bigint;
  /** The validator node's libp2p id for app_state.poa (default "dev-node"). */
  nodeId?: string;
}

/**
 * The default development genesis: chain id "sensorchain-local-1", one validator (power 10), one
 * development account funded with 1,000,000,000,000 usensor that operates the validator
 * (app_state.poa), default auth/bank parameters.
 * `sensorchain start --dev` writes it into a fresh home.
 */
export function buildDevGenesis(input: DevGenesisInput): GenesisJson {
  const denom = input.nativeDenom ?? NATIVE_DENOM;
  const base = buildGenesis({
    chainId: input.chainId ?? DEV_CHAIN_ID,
    genesisTime: input.genesisTime,
    validators: [{ publicKey: input.validatorPublicKey, name: input.validatorName }],
    nativeDenom: denom,
  });
  const funded = addGenesisAccount(base, input.devAddress, [
    { denom, amount: input.devBalance ?? DEV_ACCOUNT_BALANCE },
  ]);
  // The dev account operates the single validator, so it can vote validators in (poa module).
  return addPoaValidator(funded, {
    publicKey: input.validatorPublicKey,
    operator: input.devAddress,
    nodeId: input.nodeId ?? "dev-node",
  });
}
