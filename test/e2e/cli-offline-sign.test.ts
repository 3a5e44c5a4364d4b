// The Cosmos SDK's offline signing flow against a real node: `tx bank send … --generate-only` prints
// the unsigned tx (simd's JSON of a Tx with no signer infos or signatures), `tx sign` signs it online
// or --offline with the account number and sequence given, `tx broadcast` sends it and the coins
// move. A wrong chain id, a tampered file, an unsigned file and --offline without an account number
// are refused with a clear error, and no balance changes. `tx encode`/`tx decode` round-trip.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import {
  CHAIN_ID,
  cliIn,
  cliJson,
  DENOM,
  FAUCET_MNEMONIC,
  freshAddress,
  nodePerFile,
} from "../helpers/node-process.ts";

const chain = nodePerFile(test);
const node = () => ["--node", chain.node.rpcUrl];

/** `tx sign <path> --from faucet <extra>`. */
const sign = (path: string, ...extra: string[]) => ["tx", "sign", path, "--from", "faucet", ...extra];

const run = (args: string[]) => cliIn(chain.home.home, args);
const json = (args: string[]) => cliJson(chain.home.home, args);

async function balance(address: string): Promise<string> {
  const answer = await json(["query", "bank", "balances", address, ...node()]);
  return answer.balances.find((coin: { denom: string }) => coin.denom === DENOM)?.amount ?? "0";
}

/** Writes `content` to a file in the home and returns its path. */
async function file(name: string, content: string): Promise<string> {
  const path = join(chain.home.home, name);
  await writeFile(path, content);
  return path;
}

/** An unsigned send of `amount` from the faucet to `to`, written to a file. */
async function unsignedSend(to: string, amount: number, name: string): Promise<string> {
  const faucet = chain.home.faucetAddress;
  const generated = await run([
    "tx",
    "bank",
    "send",
    faucet,
    to,
    `${amount}${DENOM}`,
    "--fees",
    `5000${DENOM}`,
    "--generate-only",
  ]);
  if (generated.code !== 0) throw new Error(`generate-only: ${generated.stderr}`);
  return file(name, generated.stdout);
}

test.serial.before(async () => {
  const added = await cliIn(chain.home.home, ["keys", "add", "faucet", "--recover"], `${FAUCET_MNEMONIC}\n`);
  if (added.code !== 0) throw new Error(added.stderr);
});

test.serial("generate-only prints simd's unsigned tx; sign online, broadcast, the coins move", async (t) => {
  const to = await freshAddress();
  const unsigned = await unsignedSend(to, 1000, "unsigned.json");
  const tx = JSON.parse(await readFile(unsigned, "utf8"));
  t.deepEqual(tx.body.messages, [
    {
      "@type": "/cosmos.bank.v1beta1.MsgSend",
      from_address: chain.home.faucetAddress,
      to_address: to,
      amount: [{ denom: DENOM, amount: "1000" }],
    },
  ]);
  t.deepEqual(tx.auth_info.signer_infos, []);
  t.deepEqual(tx.auth_info.fee.amount, [{ denom: DENOM, amount: "5000" }]);
  t.is(tx.auth_info.fee.gas_limit, "200000");
  t.deepEqual(tx.signatures, []);

  const signedPath = join(chain.home.home, "signed.json");
  const signed = await run(sign(unsigned, "--output-document", signedPath, ...node()));
  t.is(signed.code, 0, signed.stderr);
  const signedTx = JSON.parse(await readFile(signedPath, "utf8"));
  t.is(signedTx.signatures.length, 1);
  t.is(signedTx.auth_info.signer_infos[0].public_key["@type"], "/cosmos.crypto.secp256k1.PubKey");
  t.is(signedTx.auth_info.signer_infos[0].mode_info.single.mode, "SIGN_MODE_DIRECT");
  t.deepEqual(signedTx.body, tx.body, "signing changes no message");

  // encode → decode gives the same tx back.
  const encoded = (await run(["tx", "encode", signedPath])).stdout.trim();
  t.regex(encoded, /^[A-Za-z0-9+/]+=*$/);
  t.deepEqual(await json(["tx", "decode", encoded]), signedTx);

  const broadcast = await json(["tx", "broadcast", signedPath, ...node()]);
  t.is(broadcast.code, 0, JSON.stringify(broadcast));
  t.is(await balance(to), "1000");
  // The same signed tx again: its sequence is spent, nothing more moves.
  const again = await run(["tx", "broadcast", signedPath, ...node()]);
  t.is(again.code, 1);
  t.regex(again.stderr, /refused/);
  t.is(await balance(to), "1000");
});

test.serial("--offline signs with the given account number and sequence", async (t) => {
  const to = await freshAddress();
  const unsigned = await unsignedSend(to, 700, "offline.json");
  const account = (await json(["query", "auth", "account", chain.home.faucetAddress, ...node()])).account;
  const missing = await run(
    sign(unsigned, "--offline", "--sequence", account.sequence, "--chain-id", CHAIN_ID),
  );
  t.is(missing.code, 1);
  t.regex(missing.stderr, /--offline needs --account-number and --sequence/);
  t.is(missing.stdout, "");
  // No node is asked: an unreachable --node does not matter.
  const signed = await run(
    sign(
      unsigned,
      "--offline",
      "--account-number",
      account.account_number,
      "--sequence",
      account.sequence,
      "--chain-id",
      CHAIN_ID,
      "--node",
      "tcp://127.0.0.1:1",
    ),
  );
  t.is(signed.code, 0, signed.stderr);
  const result = await json(["tx", "broadcast", await file("offline-signed.json", signed.stdout), ...node()]);
  t.is(result.code, 0);
  t.is(await balance(to), "700");
});

test.serial(
  "a wrong chain id, a tampered or unsigned file and bad flags are refused; nothing moves",
  async (t) => {
    const to = await freshAddress();
    const faucetBefore = await balance(chain.home.faucetAddress);
    const unsigned = await unsignedSend(to, 500, "refused.json");
    const refused = async (args: string[], pattern: RegExp) => {
      const result = await run(args);
      t.is(result.code, 1, `${args.join(" ")}: ${result.stdout}`);
      t.regex(result.stderr, pattern);
      return result;
    };

    // Online, the node's chain id is checked before anything is signed.
    const wrongOnline = await refused(
      sign(unsigned, "--chain-id", "other-chain", ...node()),
      /runs chain sensorchain-test-1, not other-chain/,
    );
    t.is(wrongOnline.stdout, "");
    // Offline, a signature for another chain is made, and the node refuses it.
    const account = (await json(["query", "auth", "account", chain.home.faucetAddress, ...node()])).account;
    const offlineArgs = [
      "--offline",
      "--account-number",
      account.account_number,
      "--sequence",
      account.sequence,
    ];
    const otherChain = await run(sign(unsigned, ...offlineArgs, "--chain-id", "other-chain"));
    t.is(otherChain.code, 0, otherChain.stderr);
    await refused(
      ["tx", "broadcast", await file("other-chain.json", otherChain.stdout), ...node()],
      /refused the tx: .*signature verification failed/,
    );

    // A signed tx whose amount was edited afterwards.
    const signed = await run(sign(unsigned, ...node()));
    t.is(signed.code, 0, signed.stderr);
    const tampered = JSON.parse(signed.stdout);
    tampered.body.messages[0].amount[0].amount = "500000";
    await refused(
      ["tx", "broadcast", await file("tampered.json", JSON.stringify(tampered)), ...node()],
      /signature verification failed/,
    );
    // A field no tx has, a file that is not JSON, an unsigned file, a signed one signed again.
    const misspelt = JSON.parse(signed.stdout);
    misspelt.body.memmo = "x";
    await refused(
      ["tx", "broadcast", await file("misspelt.json", JSON.stringify(misspelt)), ...node()],
      /unknown field body\.memmo/,
    );
    await refused(["tx", "broadcast", await file("garbage.json", "{not json"), ...node()], /not JSON/);
    await refused(["tx", "broadcast", unsigned, ...node()], /no signature; sign it first/);
    await refused(
      ["tx", "sign", await file("signed-again.json", signed.stdout), "--from", "faucet", ...node()],
      /already signed/,
    );
    await refused(
      sign(unsigned, "--offline", "--account-number", "-1", "--sequence", "0", "--chain-id", CHAIN_ID),
      /--account-number must be an integer/,
    );
    await refused(["tx", "sign", unsigned, "--from", "nobody", ...node()], /no key "nobody"/);
    await refused(["tx", "decode", "not base64!"], /not standard base64/);
    await refused(
      ["tx", "bank", "send", "faucet", to, `1${DENOM}`, "--generate-only", "--gas", "auto"],
      /--gas auto/,
    );

    t.is(await balance(to), "0");
    t.is(await balance(chain.home.faucetAddress), faucetBefore);
  },
);
