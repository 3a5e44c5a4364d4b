// Acceptance: the identity module through an unmodified cosmjs SigningStargateClient (project
// registry) against a real node process: register with an encrypted profile (blob uploaded to the
// node, token minted with its CID), log in, fail with the wrong secret and with another address,
// fail to transfer the token (soulbound, clear error), verify by the consortium operator and not by
// anyone else, revoke then fail to log in; the blob server's refusals; a token proven by key.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import {
  assertIsDeliverTxSuccess,
  BroadcastTxError,
  GasPrice,
  SigningStargateClient,
} from "@cosmjs/stargate";
import test, { type ExecutionContext } from "ava";
import {
  BlobHttpError,
  createLoginChallenge,
  createRegistry,
  encryptProfile,
  fetchProfileBlob,
  identityStoreKeys,
  LoginError,
  login,
  MSG_REGISTER_COMPANY,
  MSG_REVOKE_IDENTITY,
  MSG_TRANSFER_IDENTITY,
  MSG_VERIFY_COMPANY,
  identity as pb,
  profileCid,
  rpcIdentitySource,
  signLoginChallenge,
  uploadProfileBlob,
} from "../../client/index.ts";
import { verifyChainedMembership } from "../../light-client/ics23/index.ts";
import {
  abciQueryDecoded,
  CHAIN_ID,
  DENOM,
  FAUCET_MNEMONIC,
  nodePerFile,
  rpc,
  waitForHeight,
} from "../helpers/node-process.ts";

let operatorWallet: DirectSecp256k1HdWallet;
let operator: string;

const SECRET = "correct horse battery staple";
/** Fast scrypt for tests (the blob header carries the parameters; production uses the default). */
const FAST = { scrypt: { log2N: 10, r: 8, p: 1 } };
const PROFILE = {
  name: "Stadtwerke Beispiel GmbH",
  sector: "D035",
  meterIds: ["D035_0001", "D035_0002"],
  annualConsumptionKwh: "1250000",
};

const chain = nodePerFile(test, {
  async accounts() {
    operatorWallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
    operator = (await operatorWallet.getAccounts())[0]!.address;
    return [{ address: operator, coins: `1000000000${DENOM}` }];
  },
  async prepare(home) {
    const file = join(home.home, "config/genesis.json");
    const genesis = JSON.parse(await readFile(file, "utf8"));
    genesis.app_state.identity = { params: { consortium_operators: [{ address: operator, power: "1" }] } };
    await writeFile(file, JSON.stringify(genesis, null, 2));
  },
});

const FEE = { amount: [{ denom: DENOM, amount: "10000" }], gas: "400000" };

async function connect(wallet: DirectSecp256k1HdWallet) {
  return SigningStargateClient.connectWithSigner(chain.node.rpcUrl, wallet, {
    registry: createRegistry(),
    gasPrice: GasPrice.fromString(`0.025${DENOM}`),
    broadcastPollIntervalMs: 200,
  });
}

async function loginCode(t: ExecutionContext, attempt: Promise<unknown>): Promise<string> {
  const error = await t.throwsAsync(attempt, { instanceOf: LoginError });
  return error?.code ?? "";
}

test.serial("register, log in, refusals, verify, revoke through cosmjs and the blob server", async (t) => {
  const directWallet = await DirectSecp256k1HdWallet.fromMnemonic(FAUCET_MNEMONIC, { prefix: "sensor" });
  const aminoWallet = await Secp256k1HdWallet.fromMnemonic(FAUCET_MNEMONIC, { prefix: "sensor" });
  const company = (await directWallet.getAccounts())[0]!.address;
  const bobAmino = await Secp256k1HdWallet.generate(12, { prefix: "sensor" });
  const bob = (await bobAmino.getAccounts())[0]!.address;
  const client = await connect(directWallet);
  const operatorClient = await connect(operatorWallet);
  t.teardown(() => {
    client.disconnect();
    operatorClient.disconnect();
  });

  // Register: encrypt on the client, mint the token with the blob's CID, upload the blob.
  const blob = await encryptProfile(PROFILE, SECRET, FAST);
  const cid = await profileCid(blob);
  t.regex(cid, /^bafkrei[a-z2-7]{52}$/);
  // Before the token exists the node refuses to store the blob (nobody references it).
  const early = await t.throwsAsync(uploadProfileBlob(chain.node.rpcUrl, cid, blob), {
    instanceOf: BlobHttpError,
  });
  t.is(early?.status, 403);
  t.is(early?.code, "not_referenced");
  const registered = await client.signAndBroadcast(
    company,
    [{ typeUrl: MSG_REGISTER_COMPANY, value: { owner: company, profileCid: cid, sector: "D035" } }],
    FEE,
  );
  assertIsDeliverTxSuccess(registered);
  t.is(String(pb.MsgRegisterCompanyResponse.decode(registered.msgResponses[0]!.value).tokenId), "1");
  await uploadProfileBlob(chain.node.rpcUrl, cid, blob);
  await uploadProfileBlob(chain.node.rpcUrl, cid, blob); // idempotent
  t.deepEqual(await fetchProfileBlob(chain.node.rpcUrl, cid), blob);
  const found = await client.searchTx(`sensorchain.identity.v1.EventCompanyRegistered.owner='${company}'`);
  t.deepEqual(
    found.map((tx) => tx.hash),
    [registered.transactionHash],
  );

  // Log in: the verifier's challenge, signed ADR-036 style by the company's amino wallet.
  const source = rpcIdentitySource(chain.node.rpcUrl);
  const challenge = createLoginChallenge({ chainId: CHAIN_ID, issuedAt: new Date() }).text;
  const signature = await signLoginChallenge(aminoWallet, company, challenge);
  const session = await login({ address: company, challenge, signature, secret: SECRET, source });
  t.deepEqual(session.profile, PROFILE);
  t.is(session.token.tokenId, 1n);
  t.is(session.token.profileCid, cid);

  // Wrong secret.
  t.is(
    await loginCode(
      t,
      login({ address: company, challenge, signature, secret: "not the right secret", source }),
    ),
    "wrong_secret",
  );
  // Another address: bob's signature presented for the company, and bob himself (no token).
  const bobSignature = await signLoginChallenge(bobAmino, bob, challenge);
  t.is(
    await loginCode(
      t,
      login({ address: company, challenge, signature: bobSignature, secret: SECRET, source }),
    ),
    "bad_signature",
  );
  t.is(
    await loginCode(t, login({ address: bob, challenge, signature: bobSignature, secret: SECRET, source })),
    "no_token",
  );
  // A signature over another challenge does not open this one.
  const other = createLoginChallenge({ chainId: CHAIN_ID, issuedAt: new Date() }).text;
  t.is(
    await loginCode(t, login({ address: company, challenge: other, signature, secret: SECRET, source })),
    "bad_signature",
  );

  // Transfer: refused with a clear, typed error; bank cannot move a token class either.
  const transfer = await t.throwsAsync(
    client.signAndBroadcast(
      company,
      [{ typeUrl: MSG_TRANSFER_IDENTITY, value: { owner: company, tokenId: 1, recipient: bob } }],
      FEE,
    ),
    { instanceOf: BroadcastTxError },
  );
  t.is(transfer?.code, 12);
  t.is(transfer?.codespace, "identity");
  t.regex(transfer?.log ?? "", /identity token is soulbound/);
  const bankSend = await client.sendTokens(company, bob, [{ denom: "identity/company/1", amount: "1" }], FEE);
  t.not(bankSend.code, 0);
  const byOwner = await abciQuery(
    pb.QueryTokenByOwnerRequest.encode({ owner: company }).finish(),
    "TokenByOwner",
  );
  t.is(byOwner.token!.owner, company);

  // Verify: the company itself is no operator; the consortium operator is.
  const selfVerify = await client.signAndBroadcast(
    company,
    [{ typeUrl: MSG_VERIFY_COMPANY, value: { operator: company, tokenId: 1 } }],
    FEE,
  );
  t.is(selfVerify.code, 10);
  t.regex(selfVerify.rawLog ?? "", /not a consortium operator/);
  const verified = await operatorClient.signAndBroadcast(
    operator,
    [{ typeUrl: MSG_VERIFY_COMPANY, value: { operator, tokenId: 1 } }],
    FEE,
  );
  assertIsDeliverTxSuccess(verified);
  t.true(pb.MsgVerifyCompanyResponse.decode(verified.msgResponses[0]!.value).passed);

  // The token, proven: /store/identity/key against the app hash of the next header.
  const key = identityStoreKeys.token(1n);
  const proven = await rpc(chain.node.rpcUrl, "abci_query", {
    path: "/store/identity/key",
    data: Buffer.from(key).toString("hex"),
    prove: true,
  });
  const response = proven.result.response;
  const value = Uint8Array.from(Buffer.from(response.value, "base64"));
  t.true(pb.IdentityToken.decode(value).verified);
  const height = BigInt(response.height);
  await waitForHeight(chain.node.rpcUrl, height + 1n);
  const next = await rpc(chain.node.rpcUrl, "block", { height: String(height + 1n) });
  const appHash = Uint8Array.from(Buffer.from(next.result.block.header.app_hash, "hex"));
  const ops = response.proofOps.ops.map((op: { type: string; key: string; data: string }) => ({
    type: op.type,
    key: Buffer.from(op.key, "base64"),
    data: Buffer.from(op.data, "base64"),
  }));
  t.notThrows(() => verifyChainedMembership(appHash, ops, "identity", key, value));
  const forged = pb.IdentityToken.encode({ ...pb.IdentityToken.decode(value), owner: bob }).finish();
  t.throws(() => verifyChainedMembership(appHash, ops, "identity", key, forged));

  // Revoke, then login fails.
  const revoked = await operatorClient.signAndBroadcast(
    operator,
    [{ typeUrl: MSG_REVOKE_IDENTITY, value: { operator, tokenId: 1, reason: "licence withdrawn" } }],
    FEE,
  );
  assertIsDeliverTxSuccess(revoked);
  t.is(
    await loginCode(t, login({ address: company, challenge, signature, secret: SECRET, source })),
    "revoked",
  );
});

const abciQuery = (data: Uint8Array, method: string) =>
  abciQueryDecoded(
    chain.node.rpcUrl,
    `/sensorchain.identity.v1.Query/${method}`,
    data,
    pb.QueryTokenResponse,
  );

test.serial("blob server: CID mismatch, oversized, unknown and malformed CIDs are refused", async (t) => {
  const blobs = `${chain.node.rpcUrl}/blobs/`;
  const bytes = new TextEncoder().encode("some bytes");
  const cid = await profileCid(bytes);
  const otherCid = await profileCid(new TextEncoder().encode("other bytes"));
  const mismatch = await fetch(blobs + otherCid, { method: "PUT", body: bytes });
  t.is(mismatch.status, 422);
  t.is(((await mismatch.json()) as { error: { code: string } }).error.code, "cid_mismatch");
  const big = new Uint8Array(1024 * 1024 + 1);
  const oversized = await fetch(blobs + (await profileCid(big)), { method: "PUT", body: big });
  t.is(oversized.status, 413);
  t.is(((await oversized.json()) as { error: { code: string } }).error.code, "too_large");
  const unknown = await fetch(blobs + cid);
  t.is(unknown.status, 404);
  t.is(((await unknown.json()) as { error: { code: string } }).error.code, "not_found");
  const malformed = await fetch(`${blobs}QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n`);
  t.is(malformed.status, 400);
  t.is(((await malformed.json()) as { error: { code: string } }).error.code, "invalid_cid");
  // JSON-RPC on the same server still works.
  t.is((await rpc(chain.node.rpcUrl, "status")).result.node_info.network, CHAIN_ID);
});
