// Acceptance (issue 6, auditor): replay of a chain with txs of every module — bank sends, device
// registrations and shares, meter commitments, market listings and purchases, identity tokens and
// profile updates, escrows, poa reweights of the validator (validator set changes) — reproduces
// every app hash and results hash, over RPC and from the home; every tx succeeded. Then the node's
// stored balance of the faucet is corrupted at rest and the node restarted: its next block's app
// hash is wrong, and remote replay (--from-rpc, no database at hand) names the store and the key
// from the node's own proven answers.
//
// REPLAY_TEST_TXS sets the number of txs (default 160, under a minute; the "thousands":
// REPLAY_TEST_TXS=3000).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import { ClassicLevel } from "classic-level";
import { replayChain, replayFromRpc } from "../../chain/replay.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import {
  ChangeKind,
  createRegistry,
  EscrowMode,
  KeyType,
  MSG_BUY_ACCESS,
  MSG_CREATE_LISTING,
  MSG_OPEN_ESCROW,
  MSG_PROPOSE_VALIDATOR_CHANGE,
  MSG_REGISTER_COMPANY,
  MSG_REGISTER_DEVICE,
  MSG_SHARE_DEVICE,
  MSG_SUBMIT_COMMITMENT,
  MSG_UPDATE_PROFILE,
  PricingUnit,
  profileCid,
} from "../../client/index.ts";
import { balanceKey } from "../../modules/bank/keys.ts";
import { bodyToProto } from "../../modules/meter/codec.ts";
import { commitmentBodyOf, type Reading, readingSignBytes } from "../../modules/meter/reading.ts";
import {
  CHAIN_ID,
  cli,
  DENOM,
  faucetWallet,
  type NodeProcess,
  rpc,
  startNodeProcess,
  waitForHeight,
} from "../helpers/node-process.ts";
import { type Msg, rpcRetrying, type Signer, sendSigned } from "./send-signed.ts";

const TX_COUNT = Number(process.env["REPLAY_TEST_TXS"] ?? 160);
const FEE = { amount: [{ denom: DENOM, amount: "20000" }], gas: "800000" };
const DAY = BigInt(Math.floor(Date.now() / 86_400_000)) - 1n;

let home: string;
let node: NodeProcess | undefined;

test.before(async () => {
  home = await mkdtemp(join(tmpdir(), "sensorchain-replay-modules-"));
});

test.after.always(async () => {
  await node?.stop();
  await rm(home, { recursive: true, force: true });
});

const deviceId = (index: number) => `D035_${String(index + 1).padStart(4, "0")}`;
const deviceSeed = (index: number) => new Uint8Array(32).fill((index % 250) + 1);

function dayReadings(index: number): Reading[] {
  return Array.from({ length: 3 }, (_, i) => {
    const reading: Reading = {
      deviceId: deviceId(index),
      sequence: BigInt(i + 1),
      timestampMs: DAY * 86_400_000n + BigInt(i) * 3_600_000n,
      values: [{ name: "energy", unit: "kWh", value: `${i + index}.5` }],
      ciphertext: new Uint8Array(0),
      signature: new Uint8Array(0),
    };
    return { ...reading, signature: ed25519.sign(readingSignBytes(reading), deviceSeed(index)) };
  });
}

/** Non-zero result codes over heights 1..last (every tx must have succeeded to exercise its module). */
async function failedTxs(url: string, last: bigint): Promise<string[]> {
  const failed: string[] = [];
  for (let height = 1n; height <= last; height++) {
    const results = await rpcRetrying(url, "block_results", { height: String(height) });
    for (const result of results.result.txs_results ?? [])
      if (Number(result.code) !== 0) failed.push(`${height}: ${result.log}`);
  }
  return failed;
}

test.serial(
  "replay of every module's txs reproduces every hash; a corrupted remote value is named",
  async (t) => {
    t.timeout(900_000);
    let stage = "setup";
    // On a failure, the node's last output says what it was doing.
    t.teardown(() => {
      if (node !== undefined && process.env["REPLAY_TEST_LOG"] === "1")
        console.error(node.output().slice(-4000));
      t.log(`last stage: ${stage}`);
    });
    const faucet = await faucetWallet();
    const consumerWallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
    const consumer: Signer = {
      wallet: consumerWallet,
      address: (await consumerWallet.getAccounts())[0]!.address,
    };
    await cli(["init", "replay-node", "--chain-id", CHAIN_ID, "--home", home, "--operator", faucet.address]);
    for (const address of [faucet.address, consumer.address])
      await cli(["genesis", "add-account", address, `1000000000000${DENOM}`, "--home", home]);
    const validatorKey = JSON.parse(await readFile(join(home, "config/priv_validator_key.json"), "utf8"));
    const consensusPubKey = Buffer.from(validatorKey.pub_key.value, "base64");
    node = await startNodeProcess(home, { blockInterval: "100ms" });

    // Shares of TX_COUNT: devices (register+share), commitments, listings, escrows, purchases,
    // identity (2 tokens, profile updates), 2 poa reweights; bank sends make up the rest.
    const devices = Math.max(2, Math.floor(TX_COUNT / 10));
    const listings = Math.max(1, Math.floor(devices / 2));
    const updates = Math.max(1, Math.floor(TX_COUNT / 20));
    const faucetMsgs: Msg[][] = [];
    for (let i = 0; i < devices; i++)
      faucetMsgs.push([
        {
          typeUrl: MSG_REGISTER_DEVICE,
          value: {
            owner: faucet.address,
            deviceId: deviceId(i),
            publicKey: { type: KeyType.KEY_TYPE_ED25519, key: ed25519.getPublicKey(deviceSeed(i)) },
            metadata: { model: "SensorA", unit: "kWh", locationHint: "Gent, BE" },
          },
        },
        {
          typeUrl: MSG_SHARE_DEVICE,
          value: {
            owner: faucet.address,
            deviceId: deviceId(i),
            terms: { unit: PricingUnit.PRICING_UNIT_PER_DAY, price: { denom: DENOM, amount: "1000" } },
          },
        },
      ]);
    for (let i = 0; i < devices; i++)
      faucetMsgs.push([
        {
          typeUrl: MSG_SUBMIT_COMMITMENT,
          value: {
            operator: faucet.address,
            body: bodyToProto(commitmentBodyOf(deviceId(i), DAY, dayReadings(i))),
          },
        },
      ]);
    for (let i = 0; i < listings; i++)
      faucetMsgs.push([
        {
          typeUrl: MSG_CREATE_LISTING,
          value: {
            seller: faucet.address,
            deviceId: deviceId(i),
            stake: { denom: DENOM, amount: "10000" },
            price: { denom: DENOM, amount: "1001" },
            periodSeconds: 60n,
          },
        },
      ]);
    const cid = (n: number) => profileCid(Uint8Array.of(1, 2, 3, n & 0xff, n >> 8));
    faucetMsgs.push([
      {
        typeUrl: MSG_REGISTER_COMPANY,
        value: { owner: faucet.address, profileCid: await cid(0), sector: "D035" },
      },
    ]);
    for (let i = 1; i <= updates; i++)
      faucetMsgs.push([
        { typeUrl: MSG_UPDATE_PROFILE, value: { owner: faucet.address, profileCid: await cid(i) } },
      ]);
    for (const power of [11, 12])
      faucetMsgs.push([
        {
          typeUrl: MSG_PROPOSE_VALIDATOR_CHANGE,
          value: {
            proposer: faucet.address,
            kind: ChangeKind.CHANGE_KIND_REWEIGHT,
            pubKey: consensusPubKey,
            power,
            expiryBlocks: 100,
          },
        },
      ]);
    const consumerFixed = 1 + devices + listings;
    const sends = Math.max(2, TX_COUNT - faucetMsgs.length - consumerFixed);
    for (let i = 0; i < Math.ceil(sends / 2); i++)
      faucetMsgs.push([
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: {
            fromAddress: faucet.address,
            toAddress: consumer.address,
            amount: [{ denom: DENOM, amount: String(1 + (i % 7)) }],
          },
        },
      ]);
    stage = "sending";
    await sendSigned(node.rpcUrl, faucet, faucetMsgs, FEE);

    const status = await rpc(node.rpcUrl, "status");
    const blockTime = BigInt(Math.floor(Date.parse(status.result.sync_info.latest_block_time) / 1000));
    const listingIds = Array.from({ length: listings }, (_, i) => BigInt(i + 1));
    const consumerMsgs: Msg[][] = [
      [
        {
          typeUrl: MSG_REGISTER_COMPANY,
          value: { owner: consumer.address, profileCid: await cid(60_000), sector: "C010" },
        },
      ],
    ];
    for (let i = 0; i < devices; i++)
      consumerMsgs.push([
        {
          typeUrl: MSG_OPEN_ESCROW,
          value: {
            consumer: consumer.address,
            deviceId: deviceId(i),
            releaseAuthority: faucet.address,
            mode: EscrowMode.ESCROW_MODE_MANUAL,
            deposit: { denom: DENOM, amount: "10000" },
            price: { denom: DENOM, amount: "1000" },
            periodSeconds: 86_400n,
            expiryTime: blockTime + 3_600n,
          },
        },
      ]);
    for (const listingId of listingIds)
      consumerMsgs.push([
        {
          typeUrl: MSG_BUY_ACCESS,
          value: { buyer: consumer.address, listingId, periods: 2, gateway: faucet.address },
        },
      ]);
    for (let i = 0; i < Math.floor(sends / 2); i++)
      consumerMsgs.push([
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: {
            fromAddress: consumer.address,
            toAddress: faucet.address,
            amount: [{ denom: DENOM, amount: "3" }],
          },
        },
      ]);
    await sendSigned(node.rpcUrl, consumer, consumerMsgs, FEE);
    const sent = faucetMsgs.length + consumerMsgs.length;
    const last = BigInt((await rpc(node.rpcUrl, "status")).result.sync_info.latest_block_height);
    await waitForHeight(node.rpcUrl, last + 1n);
    stage = "block results";
    t.deepEqual(await failedTxs(node.rpcUrl, last), []);
    stage = "remote replay";

    const remote = await replayFromRpc({ url: node.rpcUrl, toHeight: last });
    t.deepEqual(remote.mismatches, []);
    t.is(remote.commitsVerified, remote.blocks);
    t.true(remote.txs >= sent, `${remote.txs} txs replayed, ${sent} sent`);
    t.is(await node.stop(), 0);
    node = undefined;
    stage = "local replay";
    const local = await replayChain({ home });
    t.deepEqual(local.mismatches, []);
    t.deepEqual(local.stateCheck?.stores, []);
    t.is(Buffer.from(local.finalAppHash).toString("hex"), Buffer.from(local.storedAppHash).toString("hex"));
    t.log(
      `${sent} txs of every module, ${local.blocks} blocks: ${Math.round(local.txsPerSecond)} tx/s, ${Math.round(local.mainThreadCpuMicrosPerTx)} µs main-thread CPU/tx, ${Math.round((local.mainThreadCpuSeconds * 1e6) / local.blocks)} µs/block; pool of ${local.verifyWorkers} verified ${local.preverifiedTxs} txs ahead`,
    );

    // Corrupt the faucet's stored balance (state storage, latest: `04 ‖ len ‖ "bank" ‖ key` → `u64 ‖
    // decimal`), restart, and let the faucet send: its next block's app hash is built on the lie.
    const key = balanceKey(faucet.address, DENOM);
    const db = new ClassicLevel<Uint8Array, Uint8Array>(join(home, "data", "chain.db"), DB_OPTIONS);
    await db.open();
    const stored = Uint8Array.of(0x04, 4, ...Buffer.from("bank"), ...key);
    const value = Uint8Array.from((await db.get(stored))!);
    value[value.length - 1] = value[value.length - 1] === 0x39 ? 0x38 : value[value.length - 1]! + 1;
    await db.put(stored, value);
    await db.close();
    node = await startNodeProcess(home, { blockInterval: "100ms" });
    const client = await SigningStargateClient.connectWithSigner(node.rpcUrl, faucet.wallet, {
      registry: createRegistry(),
      broadcastPollIntervalMs: 200,
    });
    const after = await client.sendTokens(
      faucet.address,
      consumer.address,
      [{ denom: DENOM, amount: "5" }],
      FEE,
    );
    client.disconnect();
    await waitForHeight(node.rpcUrl, BigInt(after.height) + 2n);
    stage = "diverged remote replay";
    const diverged = await replayFromRpc({ url: node.rpcUrl });
    t.is(diverged.mismatches.length, 1);
    const mismatch = diverged.mismatches[0]!;
    t.is(mismatch.what, "app_hash");
    t.is(mismatch.height, String(after.height + 1));
    t.deepEqual(
      mismatch.diff?.stores.map((s) => s.store),
      ["bank"],
    );
    t.deepEqual(
      mismatch.diff?.stores[0]?.keys.map((k) => k.key),
      [Buffer.from(key).toString("hex")],
    );
  },
);
