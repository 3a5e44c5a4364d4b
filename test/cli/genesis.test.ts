// genesis.json: the dev genesis is valid, and each broken field gives an error naming it.
import test from "ava";
import { generateEd25519KeyPair } from "../../chain/config.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { toHex } from "../../chain/crypto/hash.ts";
import { deriveKey, generateMnemonic } from "../../chain/crypto/keyring.ts";
import {
  addGenesisAccount,
  buildDevGenesis,
  buildGenesis,
  DEV_ACCOUNT_BALANCE,
  formatRfc3339,
  GenesisError,
  type GenesisJson,
  parseGenesis,
  parseRfc3339,
} from "../../genesis/genesis.ts";

const validatorKey = generateEd25519KeyPair();
const dev = deriveKey(generateMnemonic());
const other = deriveKey(generateMnemonic());
const TIME = parseRfc3339("2026-01-02T03:04:05.123456789Z");

function devGenesis(): GenesisJson {
  return buildDevGenesis({
    validatorPublicKey: validatorKey.publicKey,
    validatorName: "node0",
    devAddress: dev.address,
    genesisTime: TIME,
  });
}

test("the default dev genesis: one validator, one funded account, sensorchain-local-1, usensor", (t) => {
  const json = devGenesis();
  const genesis = parseGenesis(JSON.stringify(json));
  t.is(genesis.chainId, "sensorchain-local-1");
  t.is(genesis.initialHeight, 1n);
  t.deepEqual(genesis.genesisTime, { seconds: TIME.seconds, nanos: 123_456_789 });
  t.is(json.genesis_time, "2026-01-02T03:04:05.123456789Z");
  t.is(genesis.validators.length, 1);
  t.is(toHex(genesis.validators[0]!.address), toHex(ed25519Address(validatorKey.publicKey)));
  t.is(json.validators[0]!.address, toHex(ed25519Address(validatorKey.publicKey)).toUpperCase());
  t.is(genesis.validators[0]!.power, 10n);
  t.deepEqual(genesis.consensusParams.block, { maxBytes: 22_020_096n, maxGas: -1n });
  t.is(genesis.consensusParams.evidence.maxAgeDurationNs, 172_800_000_000_000n);
  t.deepEqual(genesis.modules.auth.accounts, [
    { address: dev.address, pubKey: null, accountNumber: 0n, sequence: 0n },
  ]);
  t.is(genesis.modules.auth.params.sigVerifyCostSecp256k1, 1000n);
  t.deepEqual(genesis.modules.bank.balances, [
    { address: dev.address, coins: [{ denom: "usensor", amount: DEV_ACCOUNT_BALANCE }] },
  ]);
  t.is(genesis.modules.bank.nativeDenom, "usensor");
  t.deepEqual(genesis.appState, json.app_state, "app_state is kept as written for InitChain");
});

test("add-account: new accounts get the next account number; duplicates need --append; supply stays consistent", (t) => {
  const json = addGenesisAccount(devGenesis(), other.address, [{ denom: "usensor", amount: 5n }]);
  const genesis = parseGenesis(json);
  t.deepEqual(
    genesis.modules.auth.accounts.map((account) => account.accountNumber),
    [0n, 1n],
  );
  t.throws(() => addGenesisAccount(json, other.address, [{ denom: "usensor", amount: 1n }]), {
    message: /already exists/,
  });
  const appended = addGenesisAccount(
    json,
    other.address,
    [
      { denom: "stake", amount: 7n },
      { denom: "usensor", amount: 1n },
    ],
    { append: true },
  );
  t.deepEqual(appended.app_state.bank.balances.find((b) => b.address === other.address)?.coins, [
    { denom: "stake", amount: "7" },
    { denom: "usensor", amount: "6" },
  ]);
  t.is(appended.app_state.auth.accounts.length, 2);
  const withSupply = structuredClone(json);
  withSupply.app_state.bank.supply = [{ denom: "usensor", amount: (DEV_ACCOUNT_BALANCE + 5n).toString() }];
  parseGenesis(withSupply);
  const grown = addGenesisAccount(withSupply, deriveKey(generateMnemonic()).address, [
    { denom: "usensor", amount: 10n },
  ]);
  t.deepEqual(grown.app_state.bank.supply, [
    { denom: "usensor", amount: (DEV_ACCOUNT_BALANCE + 15n).toString() },
  ]);
  t.is(json.app_state.auth.accounts.length, 2, "the input document is not changed");
});

// biome-ignore lint/suspicious/noExplicitAny: the cases write wrong types on purpose.
type Editable = any;

function broken(edit: (json: Editable) => void): GenesisJson {
  const json = devGenesis() as Editable;
  edit(json);
  return json;
}

const CASES: [string, (json: Editable) => void, string, RegExp?][] = [
  ["empty chain id", (j) => (j.chain_id = ""), "chain_id", /must not be empty/],
  ["51-character chain id", (j) => (j.chain_id = "c".repeat(51)), "chain_id", /at most 50/],
  ["bad genesis time", (j) => (j.genesis_time = "2026-02-30T00:00:00Z"), "genesis_time", /no such date/],
  ["negative initial height", (j) => (j.initial_height = "-1"), "initial_height"],
  ["numeric initial height", (j) => (j.initial_height = 1), "initial_height", /must be a string/],
  [
    "block max_bytes 0",
    (j) => (j.consensus_params.block.max_bytes = "0"),
    "consensus_params.block.max_bytes",
  ],
  [
    "secp256k1 validators",
    (j) => (j.consensus_params.validator.pub_key_types = ["secp256k1"]),
    "consensus_params.validator.pub_key_types[0]",
  ],
  ["no validators", (j) => (j.validators = []), "validators", /at least one/],
  [
    "validator address mismatch",
    (j) => (j.validators[0].address = "00".repeat(20)),
    "validators[0].address",
    /sha256/,
  ],
  ["validator power 0", (j) => (j.validators[0].power = "0"), "validators[0].power", /positive/],
  [
    "validator key too short",
    (j) => (j.validators[0].pub_key.value = "AAAA"),
    "validators[0].pub_key.value",
    /32-byte/,
  ],
  [
    "duplicate validator",
    (j) => j.validators.push(structuredClone(j.validators[0])),
    "validators[1].address",
    /duplicate/,
  ],
  ["app_hash not hex", (j) => (j.app_hash = "xyz"), "app_hash"],
  ["missing app_state.auth", (j) => delete j.app_state.auth, "app_state.auth"],
  ["auth param 0", (j) => (j.app_state.auth.params.tx_sig_limit = "0"), "app_state.auth.params.tx_sig_limit"],
  [
    "wrong account type",
    (j) => (j.app_state.auth.accounts[0]["@type"] = "/cosmos.auth.v1beta1.ModuleAccount"),
    "app_state.auth.accounts[0].@type",
  ],
  [
    "cosmos prefix",
    (j) =>
      (j.app_state.auth.accounts[0].address = deriveKey(generateMnemonic(), { prefix: "cosmos" }).address),
    "app_state.auth.accounts[0].address",
    /expected prefix sensor/,
  ],
  [
    "bad bech32 checksum",
    (j) =>
      (j.app_state.bank.balances[0].address = `${dev.address.slice(0, -1)}${dev.address.endsWith("q") ? "p" : "q"}`),
    "app_state.bank.balances[0].address",
  ],
  [
    "duplicate account",
    (j) => j.app_state.auth.accounts.push({ ...j.app_state.auth.accounts[0], account_number: "1" }),
    "app_state.auth.accounts[1].address",
    /duplicate/,
  ],
  [
    "duplicate account number",
    (j) => j.app_state.auth.accounts.push({ ...j.app_state.auth.accounts[0], address: other.address }),
    "app_state.auth.accounts[1].account_number",
    /duplicate/,
  ],
  [
    "pub_key of another address",
    (j) =>
      (j.app_state.auth.accounts[0].pub_key = {
        "@type": "/cosmos.crypto.secp256k1.PubKey",
        key: Buffer.from(other.publicKey).toString("base64"),
      }),
    "app_state.auth.accounts[0].pub_key",
  ],
  [
    "duplicate balance",
    (j) => j.app_state.bank.balances.push(structuredClone(j.app_state.bank.balances[0])),
    "app_state.bank.balances[1].address",
    /duplicate/,
  ],
  [
    "unsorted coins",
    (j) =>
      (j.app_state.bank.balances[0].coins = [
        { denom: "usensor", amount: "1" },
        { denom: "stake", amount: "1" },
      ]),
    "app_state.bank.balances[0].coins",
    /sorted/,
  ],
  [
    "duplicate denom",
    (j) =>
      (j.app_state.bank.balances[0].coins = [
        { denom: "usensor", amount: "1" },
        { denom: "usensor", amount: "1" },
      ]),
    "app_state.bank.balances[0].coins",
    /duplicate/,
  ],
  [
    "zero coin",
    (j) => (j.app_state.bank.balances[0].coins = [{ denom: "usensor", amount: "0" }]),
    "app_state.bank.balances[0].coins",
    /positive/,
  ],
  [
    "numeric amount",
    (j) => (j.app_state.bank.balances[0].coins = [{ denom: "usensor", amount: 5 }]),
    "app_state.bank.balances[0].coins[0]",
  ],
  [
    "bad denom",
    (j) => (j.app_state.bank.balances[0].coins = [{ denom: "u$", amount: "5" }]),
    "app_state.bank.balances[0].coins[0]",
  ],
  [
    "supply mismatch",
    (j) => (j.app_state.bank.supply = [{ denom: "usensor", amount: "1" }]),
    "app_state.bank.supply",
    /sum of all balances/,
  ],
  ["bad native denom", (j) => (j.app_state.bank.native_denom = "1x"), "app_state.bank.native_denom"],
  [
    "send_enabled not boolean",
    (j) => (j.app_state.bank.send_enabled = [{ denom: "usensor", enabled: "yes" }]),
    "app_state.bank.send_enabled[0].enabled",
  ],
];

for (const [name, edit, field, message] of CASES) {
  test(`invalid genesis: ${name} → error names ${field}`, (t) => {
    const error = t.throws(() => parseGenesis(JSON.stringify(broken(edit))), { instanceOf: GenesisError });
    t.is(error?.field, field);
    t.is(error?.code, "invalid_genesis");
    if (message !== undefined) t.regex(error!.message, message);
  });
}

test("not JSON, not an object", (t) => {
  t.is(t.throws(() => parseGenesis("{"), { instanceOf: GenesisError })?.field, "(file)");
  t.is(t.throws(() => parseGenesis("[]"), { instanceOf: GenesisError })?.field, "(document)");
});

test("RFC 3339 round trip keeps nanoseconds; offsets convert to UTC", (t) => {
  t.is(formatRfc3339(parseRfc3339("2026-01-02T03:04:05.120Z")), "2026-01-02T03:04:05.12Z");
  t.is(formatRfc3339(parseRfc3339("2026-01-02T05:04:05+02:00")), "2026-01-02T03:04:05Z");
  t.throws(() => parseRfc3339("2026-01-02 03:04:05Z"));
  t.throws(() => parseRfc3339("2026-01-02T03:04:05.1234567890Z"));
});

test("buildGenesis refuses what it could not read back", (t) => {
  t.throws(
    () =>
      buildGenesis({
        chainId: "",
        genesisTime: TIME,
        validators: [{ publicKey: validatorKey.publicKey, name: "v" }],
      }),
    {
      instanceOf: GenesisError,
    },
  );
});
