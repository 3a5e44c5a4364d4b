// Acceptance: `sensorchain identity encrypt|login`, `sensorchain tx identity …`, `sensorchain query
// identity …` and `sensorchain genesis add-identity-operator` as real child processes against a
// real node, signing with test-keyring keys.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import test from "ava";
import { cliIn, cliJson, FAUCET_MNEMONIC, nodePerFile } from "../helpers/node-process.ts";

let operator: string;
let operatorMnemonic: string;

const chain = nodePerFile(test, {
  async accounts() {
    const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
    operatorMnemonic = wallet.mnemonic;
    operator = (await wallet.getAccounts())[0]!.address;
    return [{ address: operator, coins: "1000000000usensor" }];
  },
  prepare: (home) => cliJson(home.home, ["genesis", "add-identity-operator", operator]),
});

const run = (args: string[], input = "", env: NodeJS.ProcessEnv = {}) =>
  cliIn(chain.home.home, args, input, env);
const ok = (args: string[], input = "") => cliJson(chain.home.home, args, input);

test("encrypt, register, query, login, verify, transfer refused, with the CLI", async (t) => {
  const { home, node } = chain;
  await ok(["keys", "add", "company", "--recover"], FAUCET_MNEMONIC);
  await ok(["keys", "add", "operator", "--recover"], operatorMnemonic);
  const profileFile = join(home.home, "profile.json");
  const blobFile = join(home.home, "profile.blob");
  const secretFile = join(home.home, "secret.txt");
  await writeFile(profileFile, JSON.stringify({ name: "Acme Energy", meterIds: ["D035_0007"] }));
  await writeFile(secretFile, "a secret only acme holds\n");
  const encrypted = await ok([
    "identity",
    "encrypt",
    profileFile,
    "--out",
    blobFile,
    "--secret-file",
    secretFile,
  ]);
  t.regex(encrypted.cid, /^bafkrei/);

  const tx = (args: string[]) =>
    ok(["tx", "identity", ...args, "--fees", "10000usensor", "-y", "--node", node.rpcUrl]);
  t.is((await tx(["register", "company", blobFile, "--sector", "D035"])).code, 0);
  const shown = await ok(["query", "identity", "by-owner", home.faucetAddress, "--node", node.rpcUrl]);
  t.like(shown.token, {
    class_id: "company",
    token_id: "1",
    owner: home.faucetAddress,
    profile_cid: encrypted.cid,
    sector: "D035",
    verified: false,
    status: "IDENTITY_STATUS_ACTIVE",
  });
  t.is((await ok(["query", "identity", "by-cid", encrypted.cid, "--node", node.rpcUrl])).token.token_id, "1");

  const session = await ok([
    "identity",
    "login",
    "company",
    "--secret-file",
    secretFile,
    "--node",
    node.rpcUrl,
  ]);
  t.like(session, { address: home.faucetAddress, token_id: "1", verified: false });
  t.deepEqual(session.profile, { name: "Acme Energy", meterIds: ["D035_0007"] });
  const wrong = await run(["identity", "login", "company", "--node", node.rpcUrl], "", {
    SENSORCHAIN_IDENTITY_SECRET: "not the secret at all",
  });
  t.is(wrong.code, 1);
  t.regex(wrong.stderr, /login failed: the secret does not decrypt this profile/);
  const noToken = await run([
    "identity",
    "login",
    "operator",
    "--secret-file",
    secretFile,
    "--node",
    node.rpcUrl,
  ]);
  t.is(noToken.code, 1);
  t.regex(noToken.stderr, /holds no identity token/);

  t.is((await tx(["verify", "operator", "1"])).code, 0);
  t.true((await ok(["query", "identity", "token", "1", "--node", node.rpcUrl])).token.verified);
  const notOperator = await run([
    "tx",
    "identity",
    "verify",
    "company",
    "1",
    "--fees",
    "10000usensor",
    "-y",
    "--node",
    node.rpcUrl,
  ]);
  t.is(notOperator.code, 1);
  t.regex(notOperator.stderr, /not a consortium operator/);
  const transfer = await run([
    "tx",
    "identity",
    "transfer",
    "company",
    "1",
    operator,
    "--fees",
    "10000usensor",
    "-y",
    "--node",
    node.rpcUrl,
  ]);
  t.is(transfer.code, 1);
  t.regex(transfer.stderr, /identity token is soulbound.*code 12, identity/);
  const list = await ok(["query", "identity", "list", "--count-total", "--node", node.rpcUrl]);
  t.is(list.tokens.length, 1);
  t.is(list.pagination.total, "1");
  const params = await ok(["query", "identity", "params", "--node", node.rpcUrl]);
  t.deepEqual(params.params.consortium_operators, [{ address: operator, power: "1" }]);
});
