// genesis.json: CometBFT's genesis document with a Cosmos SDK app_state (auth, bank). Two views:
// GenesisJson is the file as written (int64 as strings, bytes as base64/hex); Genesis is the checked,
// typed value the node starts from. Format documented in genesis/README.md.
import type { ConsensusParams, Timestamp } from "../chain/types/block.ts";
import type { Coin } from "../chain/types/coin.ts";

export const BASE_ACCOUNT_TYPE_URL = "/cosmos.auth.v1beta1.BaseAccount";
export const SECP256K1_PUB_KEY_TYPE_URL = "/cosmos.crypto.secp256k1.PubKey";

export interface PubKeyJson {
  type: string;
  value: string;
}

export interface GenesisValidatorJson {
  address: string;
  pub_key: PubKeyJson;
  power: string;
  name: string;
}

export interface ConsensusParamsJson {
  block: { max_bytes: string; max_gas: string };
  evidence: { max_age_num_blocks: string; max_age_duration: string; max_bytes: string };
  validator: { pub_key_types: string[] };
  version: { app: string };
  abci: { vote_extensions_enable_height: string };
}

export interface BaseAccountJson {
  "@type": string;
  address: string;
  pub_key: { "@type": string; key: string } | null;
  account_number: string;
  sequence: string;
}

export interface CoinJson {
  denom: string;
  amount: string;
}

export interface BalanceJson {
  address: string;
  coins: CoinJson[];
}

export interface AuthGenesisJson {
  params: {
    max_memo_characters: string;
    tx_sig_limit: string;
    tx_size_cost_per_byte: string;
    sig_verify_cost_ed25519: string;
    sig_verify_cost_secp256k1: string;
  };
  accounts: BaseAccountJson[];
}

export interface BankGenesisJson {
  params: { default_send_enabled: boolean; send_enabled?: { denom: string; enabled: boolean }[] };
  balances: BalanceJson[];
  supply: CoinJson[];
  denom_metadata: unknown[];
  send_enabled: { denom: string; enabled: boolean }[];
  native_denom: string;
}

export interface GenesisJson {
  genesis_time: string;
  chain_id: string;
  initial_height: string;
  consensus_params: ConsensusParamsJson;
  validators: GenesisValidatorJson[];
  app_hash: string;
  app_state: { auth: AuthGenesisJson; bank: BankGenesisJson; [module: string]: unknown };
}

export interface GenesisValidator {
  /** sha256(pubKey)[:20]. */
  address: Uint8Array;
  /** ed25519 public key, 32 bytes. */
  pubKey: Uint8Array;
  power: bigint;
  name: string;
}

export interface GenesisAccount {
  /** bech32 "sensor1…". */
  address: string;
  /** 33-byte compressed secp256k1 key, or null until the account's first tx reveals it. */
  pubKey: Uint8Array | null;
  accountNumber: bigint;
  sequence: bigint;
}

export interface AuthParams {
  maxMemoCharacters: bigint;
  txSigLimit: bigint;
  txSizeCostPerByte: bigint;
  sigVerifyCostEd25519: bigint;
  sigVerifyCostSecp256k1: bigint;
}

export interface AuthGenesis {
  params: AuthParams;
  accounts: GenesisAccount[];
}

export interface Balance {
  address: string;
  /** Valid sdk.Coins: sorted by denom, positive amounts. */
  coins: Coin[];
}

export interface BankGenesis {
  params: { defaultSendEnabled: boolean };
  balances: Balance[];
  /** Empty = computed from the balances at InitGenesis; otherwise equal to their sum. */
  supply: Coin[];
  /** Passed through as written (cosmos.bank.v1beta1.Metadata JSON). */
  denomMetadata: unknown[];
  sendEnabled: { denom: string; enabled: boolean }[];
  /** The fee and staking-free native denom, "usensor" by default. */
  nativeDenom: string;
}

export interface GenesisConsensusParams extends ConsensusParams {
  abci: { voteExtensionsEnableHeight: bigint };
}

export interface Genesis {
  genesisTime: Timestamp;
  chainId: string;
  initialHeight: bigint;
  consensusParams: GenesisConsensusParams;
  validators: GenesisValidator[];
  appHash: Uint8Array;
  /**
   * app_state exactly as in the file (CometBFT passes it to InitChain as JSON bytes); every module
   * reads its own section. auth and bank have been validated (see `modules` for their typed view).
   */
  appState: GenesisJson["app_state"];
  /** Typed, validated views of the app_state sections this package knows. */
  modules: { auth: AuthGenesis; bank: BankGenesis };
  /** The whole document as read (served by the `genesis` RPC method). */
  json: GenesisJson;
}
