import test from "ava";
import { CHAIN_ID, cli, DENOM, FAUCET_MNEMONIC, freshAddress, nodePerFile } from "../helpers/node-process.ts";

const chain = nodePerFile(test);

test.serial.before(async () => {
  await cli(["keys", "add", "faucet", "--recover", "--home", chain.home.home, "--keyring-backend", "test"], {
    input: `${FAUCET_MNEMONIC}\n`,
  });
});

const common = () => [
  "--home",
  chain.home.home,
  "--node",
  chain.node.rpcUrl,
  "--keyring-backend",
  "test",
  "--output",
  "json",
];

/** `tx bank send faucet <to> <coins> <feeFlags> --yes` against the node. */
const sendFromFaucet = (to: string, coins: string, feeFlags: string[]) =>
  cli(["tx", "bank", "send", "faucet", to, coins, ...feeFlags, "--yes", ...common()]);

test.serial("keys show gives the faucet address", async (t) => {
  const { stdout } = await cli([
    "keys",
    "show",
    "faucet",
    "-a",
    "--home",
    chain.home.home,
    "--keyring-backend",
    "test",
  ]);
  t.is(stdout.trim(), chain.home.faucetAddress);
});

test.serial("status reports the chain", async (t) => {
  const { stdout } = await cli(["status", "--node", chain.node.rpcUrl, "--home", chain.home.home]);
  t.is(JSON.parse(stdout).node_info.network, CHAIN_ID);
});

test.serial("tx bank send with explicit fees, then query balances and the tx", async (t) => {
  const to = await freshAddress();
  const { stdout } = await sendFromFaucet(to, `4321${DENOM}`, ["--fees", `5000${DENOM}`]);
  const sent = JSON.parse(stdout);
  t.is(sent.code, 0, stdout);
  const hash: string = sent.txhash ?? sent.transactionHash ?? sent.hash;
  t.truthy(hash, stdout);
  const balances = JSON.parse((await cli(["query", "bank", "balances", to, ...common()])).stdout);
  t.deepEqual(balances.balances ?? balances, [{ denom: DENOM, amount: "4321" }]);
  const tx = JSON.parse((await cli(["query", "tx", hash, ...common()])).stdout);
  t.is(String(tx.height ?? tx.tx_response?.height), String(sent.height));
  const block = JSON.parse((await cli(["query", "block", String(sent.height), ...common()])).stdout);
  t.is(String(block.block?.header?.height ?? block.header?.height), String(sent.height));
});

test.serial("tx bank send with --gas auto", async (t) => {
  const to = await freshAddress();
  const { stdout } = await sendFromFaucet(to, `99${DENOM}`, [
    "--gas",
    "auto",
    "--gas-prices",
    `0.025${DENOM}`,
  ]);
  t.is(JSON.parse(stdout).code, 0, stdout);
  const balances = JSON.parse((await cli(["query", "bank", "balances", to, ...common()])).stdout);
  t.deepEqual(balances.balances ?? balances, [{ denom: DENOM, amount: "99" }]);
  // With --denom, as the SDK: that one coin, "0" for a denom the account does not hold.
  const one = JSON.parse(
    (await cli(["query", "bank", "balances", to, "--denom", DENOM, ...common()])).stdout,
  );
  t.deepEqual(one, { denom: DENOM, amount: "99" });
  const none = JSON.parse(
    (await cli(["query", "bank", "balances", to, "--denom", "uother", ...common()])).stdout,
  );
  t.deepEqual(none, { denom: "uother", amount: "0" });
});

test.serial("a bad recipient is a clear error with exit code 1", async (t) => {
  const error = await t.throwsAsync(
    sendFromFaucet("sensor1notanaddress", `1${DENOM}`, ["--fees", `5000${DENOM}`]),
  );
  t.regex(String((error as { stderr?: string }).stderr), /Error: .*address/i);
  t.is((error as { code?: number }).code, 1);
});
