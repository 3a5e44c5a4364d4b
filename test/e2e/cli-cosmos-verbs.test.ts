// The command lines a `simd`/`gaiad` user types daily, typed as they are against a real node (issue
// 2 item 9: Cosmos verbs and flags named as in the SDK and CometBFT), each checked for what such a
// user reads in the answer: keys (--recover, -a, --bech, delete -y, list -o json), tx bank send with
// --gas auto, --broadcast-mode sync|async and --dry-run, query bank total, query auth account,
// query tx --type hash|acc_seq, query txs --query (SDK 0.50), query block --type height, status.
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import test from "ava";
import { decodeAddress } from "../../chain/crypto/bech32.ts";
import {
  CHAIN_ID,
  type CliResult,
  cliIn,
  DENOM,
  FAUCET_MNEMONIC,
  freshAddress,
  nodePerFile,
} from "../helpers/node-process.ts";

const chain = nodePerFile(test);

/** `sensorchain <args> --home … --keyring-backend test`; fails the test unless it exits 0. */
async function ok(args: string[], input = ""): Promise<CliResult> {
  const result = await cliIn(chain.home.home, args, input);
  if (result.code !== 0)
    throw new Error(`sensorchain ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return result;
}
const json = async (args: string[], input = "") => JSON.parse((await ok(args, input)).stdout);
const node = () => ["--node", chain.node.rpcUrl.replace(/^http:/, "tcp:")];

test.serial.before(async () => {
  await ok(["keys", "add", "faucet", "--recover"], `${FAUCET_MNEMONIC}\n`);
});

/** What the tests read of `query tx`'s TxResponse JSON. */
interface TxJson {
  txhash: string;
  height: string;
  tx: { auth_info: { signer_infos: { sequence: string }[] } };
}

/** Polls `query tx HASH --type hash` until the tx is in a block (sync and async return before). */
async function committedTx(hash: string): Promise<TxJson> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const result = await cliIn(chain.home.home, [
      "query",
      "tx",
      hash,
      "--type",
      "hash",
      ...node(),
      "-o",
      "json",
    ]);
    if (result.code === 0) return JSON.parse(result.stdout);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`tx ${hash} was not committed`);
}

test.serial("keys: add --recover, show -a, show --bech val|acc, list -o json, delete -y", async (t) => {
  const wallet = await DirectSecp256k1HdWallet.generate(24, { prefix: "sensor" });
  const alice = (await wallet.getAccounts())[0]!.address;
  const recovered = await json(["keys", "add", "alice", "--recover", "-o", "json"], `${wallet.mnemonic}\n`);
  t.is(recovered.address, alice);
  t.is((await ok(["keys", "show", "alice", "-a"])).stdout, `${alice}\n`);
  const valoper = (await ok(["keys", "show", "alice", "--bech", "val", "-a"])).stdout.trim();
  t.regex(valoper, /^sensorvaloper1/);
  t.deepEqual(decodeAddress(valoper, "sensorvaloper"), decodeAddress(alice));
  t.is((await json(["keys", "show", "alice", "--bech", "val", "-o", "json"])).address, valoper);
  t.is((await json(["keys", "show", "alice", "--bech", "acc", "-o", "json"])).address, alice);
  const bad = await cliIn(chain.home.home, ["keys", "show", "alice", "--bech", "validator"]);
  t.not(bad.code, 0);
  t.regex(bad.stderr, /--bech/);
  const listed: { name: string; address: string }[] = await json(["keys", "list", "--output", "json"]);
  t.deepEqual(
    listed.map((key) => key.name),
    ["alice", "faucet"],
  );
  t.deepEqual(await json(["keys", "delete", "alice", "-y", "-o", "json"]), {
    deleted: "alice",
    address: alice,
  });
  t.not((await cliIn(chain.home.home, ["keys", "show", "alice"])).code, 0);
});

test.serial(
  "tx bank send as simd takes it: --gas auto --broadcast-mode sync, then query tx and txs",
  async (t) => {
    const to = await freshAddress();
    const sent = await json([
      "tx",
      "bank",
      "send",
      "faucet",
      to,
      `1000${DENOM}`,
      "--fees",
      `5000${DENOM}`,
      "--gas",
      "auto",
      "--gas-adjustment",
      "1.5",
      "-y",
      "--broadcast-mode",
      "sync",
      ...node(),
      "--chain-id",
      CHAIN_ID,
      "-o",
      "json",
    ]);
    // The SDK's answer to a sync broadcast: a TxResponse after CheckTx, not yet in a block.
    t.is(sent.code, 0, JSON.stringify(sent));
    t.is(sent.height, "0");
    t.regex(sent.txhash, /^[0-9A-F]{64}$/);
    const committed = await committedTx(sent.txhash);
    t.is(committed.txhash, sent.txhash);
    t.not(committed.height, "0");
    t.deepEqual(await json(["query", "bank", "balances", to, ...node()]), {
      balances: [{ denom: DENOM, amount: "1000" }],
      pagination: { next_key: null, total: "1" },
    });

    // query tx --type acc_seq ADDR/SEQ: the same tx, found by its signer's sequence.
    const sequence = committed.tx.auth_info.signer_infos[0]!.sequence;
    const bySequence = await json([
      "query",
      "tx",
      "--type",
      "acc_seq",
      `${chain.home.faucetAddress}/${sequence}`,
      ...node(),
    ]);
    t.is(bySequence.txhash, sent.txhash);

    const found = await json([
      "query",
      "txs",
      "--query",
      `message.sender='${chain.home.faucetAddress}'`,
      ...node(),
    ]);
    t.true(Number(found.total_count) >= 1);
    t.is(found.count, String(found.txs.length));
    t.is(found.page_number, "1");
    t.true(found.txs.some((tx: { txhash: string }) => tx.txhash === sent.txhash));
    const none = await json(["query", "txs", "--query", `message.sender='${to}'`, ...node()]);
    t.is(none.total_count, "0");
    t.deepEqual(none.txs, []);

    // query block --type height N: the block that holds it.
    const block = await json(["query", "block", "--type", "height", committed.height, ...node()]);
    t.is(block.block.header.height, committed.height);
    t.is(block.block.header.chain_id, CHAIN_ID);
  },
);

test.serial("tx bank send --broadcast-mode async returns the hash; --dry-run sends nothing", async (t) => {
  const to = await freshAddress();
  const send = (...flags: string[]) =>
    cliIn(chain.home.home, [
      "tx",
      "bank",
      "send",
      "faucet",
      to,
      `7${DENOM}`,
      "--fees",
      `5000${DENOM}`,
      "-y",
      ...node(),
      "-o",
      "json",
      ...flags,
    ]);
  const dryRun = await send("--dry-run", "--gas", "auto");
  t.is(dryRun.code, 0, dryRun.stderr);
  t.regex(dryRun.stderr, /gas estimate: [1-9][0-9]*/);
  const async = await send("--broadcast-mode", "async");
  t.is(async.code, 0, async.stderr);
  const answer = JSON.parse(async.stdout);
  t.regex(answer.txhash, /^[0-9A-F]{64}$/);
  await committedTx(answer.txhash);
  // Only the async tx moved coins: the dry run was never broadcast.
  t.deepEqual((await json(["query", "bank", "balances", to, ...node()])).balances, [
    { denom: DENOM, amount: "7" },
  ]);
  const badMode = await send("--broadcast-mode", "blocking");
  t.not(badMode.code, 0);
  t.regex(badMode.stderr, /--broadcast-mode/);
});

test.serial("query bank total and query auth account print the SDK's JSON", async (t) => {
  const total = await json(["query", "bank", "total", ...node()]);
  const supply = total.supply.find((coin: { denom: string }) => coin.denom === DENOM);
  t.regex(supply.amount, /^[1-9][0-9]*$/);
  t.true("pagination" in total);
  const one = await json(["query", "bank", "total", "--denom", DENOM, ...node()]);
  t.deepEqual(one, { denom: DENOM, amount: supply.amount });

  const { account } = await json(["query", "auth", "account", chain.home.faucetAddress, ...node()]);
  t.is(account["@type"], "/cosmos.auth.v1beta1.BaseAccount");
  t.is(account.address, chain.home.faucetAddress);
  t.regex(account.account_number, /^[0-9]+$/);
  t.regex(account.sequence, /^[1-9][0-9]*$/, "the faucet has sent txs");
  t.is(account.pub_key["@type"], "/cosmos.crypto.secp256k1.PubKey");
  const unknown = await cliIn(chain.home.home, ["query", "auth", "account", await freshAddress(), ...node()]);
  t.not(unknown.code, 0);
  t.regex(unknown.stderr, /not found/);
});

test.serial(
  "status has CometBFT's shape: node_info, sync_info.latest_block_height, validator_info",
  async (t) => {
    const status = await json(["status", ...node()]);
    t.is(status.node_info.network, CHAIN_ID);
    t.regex(status.sync_info.latest_block_height, /^[1-9][0-9]*$/);
    t.regex(status.sync_info.latest_block_hash, /^[0-9A-F]{64}$/);
    t.is(typeof status.sync_info.catching_up, "boolean");
    t.regex(status.validator_info.address, /^[0-9A-F]{40}$/);
  },
);
