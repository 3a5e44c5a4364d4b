// The `sensorchain` command as real child processes on a temp --home: init, keys, genesis. Failing
// commands exit 1 with one clear line on stderr and change nothing.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import test from "ava";
import { encodeAddress } from "../../chain/crypto/bech32.ts";
import { generateMnemonic } from "../../chain/crypto/keyring.ts";
import { secp256k1Address } from "../../chain/crypto/secp256k1.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = join(ROOT, "node_modules/.bin/node");
const CLI = join(ROOT, "chain/cli.ts");
const PASSPHRASE = "test passphrase";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((done) => {
    const child = execFile(
      NODE,
      [CLI, ...args],
      { cwd: ROOT, env: { ...process.env, SENSORCHAIN_KEYRING_PASSPHRASE: "", ...options.env } },
      (error, stdout, stderr) =>
        done({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stdout, stderr }),
    );
    child.stdin?.end(options.input ?? "");
  });
}

async function ok(args: string[], options: Parameters<typeof run>[1] = {}): Promise<string> {
  const result = await run(args, options);
  if (result.code !== 0)
    throw new Error(`sensorchain ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

async function tempHome(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), "sensorchain-cli-"));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  return home;
}

test("init writes the CometBFT/Cosmos home layout and refuses to run twice", async (t) => {
  const home = await tempHome(t);
  const out = JSON.parse(await ok(["init", "node0", "--chain-id", "test-chain-1", "--home", home]));
  t.is(out.moniker, "node0");
  t.is(out.chain_id, "test-chain-1");
  t.regex(out.node_id, /^[0-9a-f]{40}$/);
  const key = JSON.parse(await readFile(join(home, "config/priv_validator_key.json"), "utf8"));
  t.is(key.address, out.validator.address);
  t.is(key.pub_key.type, "tendermint/PubKeyEd25519");
  t.is(key.priv_key.type, "tendermint/PrivKeyEd25519");
  t.is(Buffer.from(key.priv_key.value, "base64").length, 64);
  t.deepEqual(JSON.parse(await readFile(join(home, "data/priv_validator_state.json"), "utf8")), {
    height: "0",
    round: 0,
    step: 0,
  });
  const nodeKey = JSON.parse(await readFile(join(home, "config/node_key.json"), "utf8"));
  t.is(nodeKey.priv_key.type, "tendermint/PrivKeyEd25519");
  const genesis = JSON.parse(await readFile(join(home, "config/genesis.json"), "utf8"));
  t.is(genesis.chain_id, "test-chain-1");
  t.deepEqual(genesis.validators, [
    { address: key.address, pub_key: key.pub_key, power: "10", name: "node0" },
  ]);
  t.regex(await readFile(join(home, "config/config.toml"), "utf8"), /moniker = "node0"/);

  const before = await readFile(join(home, "config/genesis.json"), "utf8");
  const again = await run(["init", "node1", "--home", home]);
  t.is(again.code, 1);
  t.regex(again.stderr, /^Error: .*already exists/);
  t.is(await readFile(join(home, "config/genesis.json"), "utf8"), before, "nothing changed");
  const overwritten = JSON.parse(await ok(["init", "node1", "--overwrite", "--home", home]));
  t.is(overwritten.validator.address, out.validator.address, "--overwrite keeps the validator key");
});

test("--home beats $SENSORCHAIN_HOME", async (t) => {
  const home = await tempHome(t);
  const envHome = await tempHome(t);
  await ok(["init", "node0", "--home", home], { env: { SENSORCHAIN_HOME: envHome } });
  await ok(["genesis", "validate"], { env: { SENSORCHAIN_HOME: home } });
  t.is((await run(["genesis", "validate"], { env: { SENSORCHAIN_HOME: envHome } })).code, 1);
});

test("keys add / list / show / import / delete with the encrypted file keyring", async (t) => {
  const home = await tempHome(t);
  const added = JSON.parse(
    await ok(["keys", "add", "alice", "--home", home, "--keyring-passphrase", PASSPHRASE]),
  );
  t.is(added.mnemonic.split(" ").length, 24);
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(added.mnemonic, { prefix: "sensor" });
  t.is(added.address, (await wallet.getAccounts())[0]!.address);

  const noPassphrase = await run(["keys", "add", "bob", "--home", home]);
  t.is(noPassphrase.code, 1);
  t.regex(noPassphrase.stderr, /needs a passphrase/);
  const wrong = await run(["keys", "add", "bob", "--home", home, "--keyring-passphrase", "not the one"]);
  t.is(wrong.code, 1);
  t.regex(wrong.stderr, /wrong keyring passphrase/);

  const mnemonic = generateMnemonic();
  const mnemonicFile = join(home, "bob.txt");
  await writeFile(mnemonicFile, `${mnemonic}\n`);
  const bob = JSON.parse(
    await ok(["keys", "import", "bob", mnemonicFile, "--home", home], {
      env: { SENSORCHAIN_KEYRING_PASSPHRASE: PASSPHRASE },
    }),
  );
  t.is(
    bob.address,
    (await (await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "sensor" })).getAccounts())[0]!
      .address,
  );
  t.false("mnemonic" in bob);

  const recovered = JSON.parse(
    await ok(["keys", "add", "carol", "--recover", "--keyring-backend", "test", "--home", home], {
      input: added.mnemonic,
    }),
  );
  t.is(recovered.address, added.address, "--recover derives the same address from stdin");

  const list = JSON.parse(await ok(["keys", "list", "--home", home]));
  t.deepEqual(
    list.map((key: { name: string }) => key.name),
    ["alice", "bob"],
  );
  t.is((await ok(["keys", "show", "alice", "-a", "--home", home])).trim(), added.address);
  const shown = JSON.parse(await ok(["keys", "show", added.address, "--home", home]));
  t.is(shown.name, "alice");
  // As simd: pubkey is a JSON string holding the Any, in list and show alike; -p prints the Any.
  const pubkey = JSON.parse(shown.pubkey);
  t.is(pubkey["@type"], "/cosmos.crypto.secp256k1.PubKey");
  t.is(encodeAddress(secp256k1Address(Buffer.from(pubkey.key, "base64"))), added.address);
  t.is(list[0].pubkey, shown.pubkey);
  t.deepEqual(JSON.parse(await ok(["keys", "show", "alice", "-p", "--home", home])), pubkey);
  t.regex(await ok(["keys", "show", "bob", "--output", "text", "--home", home]), /^name: bob\n/);

  const duplicate = await run(["keys", "add", "alice", "--home", home, "--keyring-passphrase", PASSPHRASE]);
  t.is(duplicate.code, 1);
  t.regex(duplicate.stderr, /key alice already exists/);
  const badMnemonic = await run(
    ["keys", "add", "dave", "--recover", "--keyring-backend", "test", "--home", home],
    { input: "one two three" },
  );
  t.is(badMnemonic.code, 1);
  t.regex(badMnemonic.stderr, /mnemonic has 12, 15, 18, 21 or 24 words/);
  const unconfirmed = await run([
    "keys",
    "delete",
    "bob",
    "--home",
    home,
    "--keyring-passphrase",
    PASSPHRASE,
  ]);
  t.is(unconfirmed.code, 1, "delete without --yes and without a terminal is refused");
  const wrongDelete = await run([
    "keys",
    "delete",
    "bob",
    "--yes",
    "--home",
    home,
    "--keyring-passphrase",
    "not the one",
  ]);
  t.is(wrongDelete.code, 1);
  t.is(JSON.parse(await ok(["keys", "list", "--home", home])).length, 2, "nothing deleted");
  await ok(["keys", "delete", "bob", "--yes", "--home", home, "--keyring-passphrase", PASSPHRASE]);
  t.deepEqual(
    JSON.parse(await ok(["keys", "list", "--home", home])).map((key: { name: string }) => key.name),
    ["alice"],
  );
  const missing = await run(["keys", "show", "bob", "--home", home]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /key bob not found/);
});

test("genesis add-account by address and by key name; bad input changes nothing", async (t) => {
  const home = await tempHome(t);
  await ok(["init", "node0", "--home", home]);
  const key = JSON.parse(await ok(["keys", "add", "alice", "--keyring-backend", "test", "--home", home]));
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(generateMnemonic(), { prefix: "sensor" });
  const other = (await wallet.getAccounts())[0]!.address;
  await ok([
    "genesis",
    "add-account",
    "alice",
    "1000usensor,5stake",
    "--keyring-backend",
    "test",
    "--home",
    home,
  ]);
  const added = JSON.parse(await ok(["genesis", "add-account", other, "250usensor", "--home", home]));
  t.deepEqual(added.coins, [{ denom: "usensor", amount: "250" }]);
  const genesis = JSON.parse(await readFile(join(home, "config/genesis.json"), "utf8"));
  t.deepEqual(
    genesis.app_state.auth.accounts.map((account: { address: string; account_number: string }) => [
      account.address,
      account.account_number,
    ]),
    [
      [key.address, "0"],
      [other, "1"],
    ],
  );
  t.deepEqual(
    genesis.app_state.bank.balances.find((b: { address: string }) => b.address === key.address).coins,
    [
      { denom: "stake", amount: "5" },
      { denom: "usensor", amount: "1000" },
    ],
  );

  const before = await readFile(join(home, "config/genesis.json"), "utf8");
  const attempts: [string[], RegExp][] = [
    [["genesis", "add-account", other, "1usensor"], /already exists/],
    [["genesis", "add-account", "nobody", "1usensor"], /neither a sensor1… address nor a key/],
    [["genesis", "add-account", other.replace("sensor", "cosmos"), "1usensor"], /neither/],
    [["genesis", "add-account", other, "12"], /invalid coin "12"/],
    [["genesis", "add-account", other, "0usensor"], /must be positive/],
    [["genesis", "add-account", other, "-5usensor"], /invalid coin|unknown option/],
  ];
  for (const [args, message] of attempts) {
    const result = await run([...args, "--home", home]);
    t.is(result.code, 1, args.join(" "));
    t.regex(result.stderr, message);
    t.is(result.stdout, "");
  }
  t.is(await readFile(join(home, "config/genesis.json"), "utf8"), before, "nothing changed");
  await ok(["genesis", "add-account", other, "1usensor", "--append", "--home", home]);
});

test("genesis validate: the home's genesis, a good file, a broken file", async (t) => {
  const home = await tempHome(t);
  await ok(["init", "node0", "--chain-id", "check-1", "--home", home]);
  const report = JSON.parse(await ok(["genesis", "validate", "--home", home]));
  t.like(report, { valid: true, chain_id: "check-1", validators: 1, accounts: 0 });
  const good = join(home, "copy.json");
  await writeFile(good, await readFile(join(home, "config/genesis.json")));
  t.is(JSON.parse(await ok(["genesis", "validate", good])).file, good);

  const broken = JSON.parse(await readFile(good, "utf8"));
  broken.validators[0].power = "0";
  const bad = join(home, "bad.json");
  await writeFile(bad, JSON.stringify(broken));
  const result = await run(["genesis", "validate", bad]);
  t.is(result.code, 1);
  t.is(result.stderr.trim(), "Error: genesis validators[0].power: must be positive, got 0");
  await writeFile(bad, "{ not json");
  t.regex((await run(["genesis", "validate", bad])).stderr, /not valid JSON/);
  t.regex((await run(["genesis", "validate", join(home, "missing.json")])).stderr, /does not exist/);
});

test("usage errors exit 1: unknown verb, missing argument, bad flag value", async (t) => {
  const home = await tempHome(t);
  for (const args of [
    ["frobnicate"],
    ["init"],
    ["keys", "show"],
    ["keys", "list", "--output", "yaml"],
    ["query", "block", "-3"],
  ]) {
    const result = await run([...args, "--home", home]);
    t.is(result.code, 1, args.join(" "));
    t.not(result.stderr, "");
  }
  t.is((await run(["--help"])).code, 0);
});
