// Acceptance: `sensorchain identity encrypt|login`, `sensorchain tx identity …`, `sensorchain query
// identity …` and `sensorchain genesis add-identity-operator` as real child processes against a
// real node, signing with test-keyring keys.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import test from "ava";
import {
  CLI,
  createTestHome,
  FAUCET_MNEMONIC,
  NODE_BINARY,
  type NodeProcess,
  REPO_ROOT,
  startNodeProcess,
  type TestHome,
} from "../helpers/node-process.ts";

let home: TestHome;
let node: NodeProcess;
let operator: string;
let operatorMnemonic: string;

function run(args: string[], input = "", env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    const child = execFile(
      NODE_BINARY,
      [CLI, ...args, "--home", home.home, "--keyring-backend", "test"],
      { cwd: REPO_ROOT, env: { ...process.env, ...env } },
      (error, stdout, stderr) =>
        done({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON output, checked field by field
async function ok(args: string[], input = "", env: NodeJS.ProcessEnv = {}): Promise<any> {
  const result = await run(args, input, env);
  if (result.code !== 0)
    throw new Error(`sensorchain ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

test.before(async () => {
  const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  operatorMnemonic = wallet.mnemonic;
  operator = (await wallet.getAccounts())[0]!.address;
  home = await createTestHome([{ address: operator, coins: "1000000000usensor" }]);
  await ok(["genesis", "add-identity-operator", operator]);
  node = await startNodeProcess(home.home);
});

test.after.always(async () => {
  await node?.stop();
  await home?.remove();
});

test("encrypt, register, query, login, verify, transfer refused, with the CLI", async (t) => {
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
