// Acceptance (issue 6, auditor): a chain with bank sends, device registrations and shares, and escrows
// (cosmjs with the client registry, against a real node process) is replayed from genesis: over RPC
// while the node runs (every commit verified against its validator set) and from the stopped node's
// home (every app hash, results hash, and the final state key by key). Then one state-storage value
// of the bank store is overwritten in the node's LevelDB: `sensorchain replay` names store and key.
//
// REPLAY_TEST_TXS sets the number of txs (default 240 to keep `npm test` fast; the "thousands"
// run with REPLAY_TEST_TXS=3000).

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { ed25519 } from "@noble/curves/ed25519.js";
import test from "ava";
import { ClassicLevel } from "classic-level";
import { BaseApplication } from "../../chain/app/application.ts";
import { modules } from "../../chain/node/application.ts";
import { replayChain, replayFromRpc } from "../../chain/replay.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import {
  EscrowMode,
  KeyType,
  MSG_OPEN_ESCROW,
  MSG_REGISTER_DEVICE,
  MSG_SHARE_DEVICE,
  PricingUnit,
} from "../../client/index.ts";
import { parseGenesis } from "../../genesis/genesis.ts";
import { cli, DENOM, faucetWallet, nodePerFile, rpc } from "../helpers/node-process.ts";
import { type Msg, sendSigned } from "./send-signed.ts";

const TX_COUNT = Number(process.env["REPLAY_TEST_TXS"] ?? 240);
const FEE = { amount: [{ denom: DENOM, amount: "10000" }], gas: "400000" };

let consumer: { wallet: DirectSecp256k1HdWallet; address: string };

const chain = nodePerFile(test, {
  async accounts() {
    const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
    const [account] = await wallet.getAccounts();
    consumer = { wallet, address: account!.address };
    return [{ address: consumer.address, coins: `1000000000000${DENOM}` }];
  },
  blockInterval: "100ms",
});

function deviceId(index: number): string {
  // D035 is a sector of the default params (an unknown sector makes the registration fail).
  return `D035_${String(index + 1).padStart(4, "0")}`;
}

test.serial(
  "replay over RPC and from the home reproduces every hash; a corrupted value is named",
  async (t) => {
    const faucet = await faucetWallet();
    const devices = Math.max(1, Math.floor(TX_COUNT / 4));
    const escrows = devices;
    const sends = Math.max(1, TX_COUNT - devices - escrows);
    const faucetMsgs: Msg[][] = [];
    for (let i = 0; i < sends + devices; i++) {
      if (i % 2 === 1 && faucetMsgs.length - sends < devices && i / 2 < devices) {
        const index = (i - 1) / 2;
        faucetMsgs.push([
          {
            typeUrl: MSG_REGISTER_DEVICE,
            value: {
              owner: faucet.address,
              deviceId: deviceId(index),
              publicKey: {
                type: KeyType.KEY_TYPE_ED25519,
                key: ed25519.getPublicKey(new Uint8Array(32).fill((index % 250) + 1)),
              },
              metadata: { model: "SensorA", unit: "°C", locationHint: "Gent, BE" },
            },
          },
          {
            typeUrl: MSG_SHARE_DEVICE,
            value: {
              owner: faucet.address,
              deviceId: deviceId(index),
              terms: { unit: PricingUnit.PRICING_UNIT_PER_DAY, price: { denom: DENOM, amount: "1000" } },
            },
          },
        ]);
      } else {
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
      }
    }
    const registered = faucetMsgs.filter((msgs) => msgs[0]!.typeUrl === MSG_REGISTER_DEVICE).length;
    await sendSigned(chain.node.rpcUrl, faucet, faucetMsgs, FEE, (index) => `replay ${index}`);
    const status = await rpc(chain.node.rpcUrl, "status");
    const now = BigInt(Math.floor(Date.parse(status.result.sync_info.latest_block_time) / 1000));
    const escrowMsgs: Msg[][] = [];
    for (let i = 0; i < Math.min(escrows, registered); i++)
      escrowMsgs.push([
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
            expiryTime: now + 3_600n,
          },
        },
      ]);
    await sendSigned(chain.node.rpcUrl, consumer, escrowMsgs, FEE, (index) => `replay ${index}`);
    const sent = faucetMsgs.length + escrowMsgs.length;
    // The escrows really exist (a failed tx would still count as a tx but exercise less).
    const lastEscrowHeight = BigInt(
      (await rpc(chain.node.rpcUrl, "status")).result.sync_info.latest_block_height,
    );

    const remote = await replayFromRpc({ url: chain.node.rpcUrl, toHeight: lastEscrowHeight });
    t.deepEqual(remote.mismatches, []);
    t.is(remote.commitsVerified, remote.blocks);
    t.is(remote.lastHeight, String(lastEscrowHeight));
    t.true(remote.txs >= sent, `${remote.txs} txs replayed, ${sent} sent`);

    const exportHeight = lastEscrowHeight - 2n;
    const committed = await rpc(chain.node.rpcUrl, "commit", { height: String(exportHeight + 1n) });
    const headerAppHash: string = committed.result.signed_header.header.app_hash;

    t.is(await chain.node.stop(), 0);
    const local = await replayChain({ home: chain.home.home });
    t.deepEqual(local.mismatches, []);
    t.deepEqual(local.stateCheck?.stores, []);
    t.true(local.txs >= sent);
    t.is(Buffer.from(local.finalAppHash).toString("hex"), Buffer.from(local.storedAppHash).toString("hex"));
    t.log(
      `${local.blocks} blocks, ${local.txs} txs: ${Math.round(local.blocksPerSecond)} blocks/s, ${Math.round(local.txsPerSecond)} txs/s`,
    );

    // Export at a past height, then a fresh app's initChain of that genesis: the same app hash.
    const exportFile = join(chain.home.home, "export.json");
    const exported = JSON.parse(
      (
        await cli([
          "export",
          "--height",
          String(exportHeight),
          "--home",
          chain.home.home,
          "--output",
          exportFile,
        ])
      ).stdout,
    );
    t.is(exported.app_hash, headerAppHash);
    t.is(await importedAppHash(exportFile), headerAppHash);

    // Corrupt the latest value of one bank key (state-storage `04 ‖ len ‖ "bank" ‖ key` → `u64 v ‖ value`).
    const db = new ClassicLevel<Uint8Array, Uint8Array>(
      join(chain.home.home, "data", "chain.db"),
      DB_OPTIONS,
    );
    await db.open();
    const prefix = Uint8Array.of(0x04, 4, ...Buffer.from("bank"));
    let corruptedKey = "";
    for await (const [key, value] of db.iterator({
      gt: prefix,
      lt: Uint8Array.of(0x04, 4, ...Buffer.from("banl")),
      limit: 1,
    })) {
      const changed = Uint8Array.from(value);
      changed[changed.length - 1] = changed[changed.length - 1] === 0x31 ? 0x32 : 0x31;
      await db.put(key, changed);
      corruptedKey = Buffer.from(key.subarray(prefix.length)).toString("hex");
    }
    await db.close();
    t.not(corruptedKey, "");

    const run = await cli(["replay", "--home", chain.home.home]).then(
      () => ({ code: 0, stdout: "" }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    t.is(run.code, 2);
    const report = JSON.parse(run.stdout);
    t.false(report.match);
    t.is(report.state_check.stores.length, 1);
    t.is(report.state_check.stores[0].store, "bank");
    t.deepEqual(
      report.state_check.stores[0].keys.map((k: { key: string }) => k.key),
      [corruptedKey],
    );
  },
);

async function importedAppHash(file: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-import-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, DB_OPTIONS);
  await db.open();
  try {
    // InitChain of the exported app_state directly: genesis/parse.ts does not accept the module
    // accounts (escrow) the auth export contains (a known gap, see the export's notes).
    const json = JSON.parse(await readFile(file, "utf8"));
    const list = modules();
    const store = await openCommitMultiStore({ db, storeNames: BaseApplication.storeNames(list) });
    const app = new BaseApplication({ store, modules: list, chainId: json.chain_id });
    const { appHash } = await app.initChain({
      time: { seconds: 0n, nanos: 0 },
      chainId: json.chain_id,
      consensusParams: parseGenesis(await readFile(join(chain.home.home, "config/genesis.json"), "utf8"))
        .consensusParams,
      validators: [],
      appStateBytes: new TextEncoder().encode(JSON.stringify(json.app_state)),
      initialHeight: BigInt(json.initial_height),
    });
    return Buffer.from(appHash).toString("hex").toUpperCase();
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
