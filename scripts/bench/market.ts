// Buy-access throughput of one node beside the MsgSend rate measured in the same run with the same
// harness (scripts/bench/device.ts): pre-signed txs from many genesis-funded accounts go through
// checkTx, then finalizeBlock + commit in blocks, on the real store in a temp LevelDB. A few sellers
// list devices first (untimed); then every buyer buys access periods naming the only validator's
// operator as gateway. A purchase is three bank transfers (80/10/10), a grant with three index
// entries, a chained-start lookup and a listing update: about 4x the writes of a MsgSend.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EncodeObject } from "@cosmjs/proto-signing";
import { ed25519 } from "@noble/curves/ed25519.js";
import { ClassicLevel } from "classic-level";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BaseApplication } from "../../chain/app/application.ts";
import { encodeAddress } from "../../chain/crypto/bech32.ts";
import { secp256k1Address, secp256k1PublicKey } from "../../chain/crypto/secp256k1.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import { KeyType, MSG_BUY_ACCESS, MSG_CREATE_LISTING, MSG_REGISTER_DEVICE } from "../../client/index.ts";
import { authModule } from "../../modules/auth/module.ts";
import { bankModule } from "../../modules/bank/module.ts";
import { deviceModule } from "../../modules/device/module.ts";
import { marketModule } from "../../modules/market/module.ts";
import { poaModule } from "../../modules/poa/module.ts";
import { fmt } from "./crypto.ts";
import { type BenchSigner as Signer, signedTx as signedBenchTx } from "./signed-tx.ts";

const CHAIN_ID = "sensorchain-bench-1";
const DENOM = "usensor";
const GAS = 400_000;
/** 0.025usensor × GAS: the node's minimum gas price. */
const FEE = "10000";

export interface MarketBenchOptions {
  /** Buyers; each sends `txsPerAccount` MsgSend and as many MsgBuyAccess. */
  accounts?: number;
  txsPerAccount?: number;
  /** Sellers, one listed device each; purchases spread over them. */
  listings?: number;
  blockSize?: number;
}

export interface MarketBenchFigures {
  txs: number;
  sendTxPerSecond: number;
  buyTxPerSecond: number;
  buyCheckTxPerSecond: number;
  buyFinalizeCommitTxPerSecond: number;
  ratio: number;
  blockSize: number;
  listings: number;
}

function signer(index: number): Omit<Signer, "accountNumber"> {
  const privateKey = new Uint8Array(32);
  new DataView(privateKey.buffer).setUint32(28, index + 1);
  privateKey[0] = 0x4d;
  const publicKey = secp256k1PublicKey(privateKey);
  return { privateKey, publicKey, address: encodeAddress(secp256k1Address(publicKey)) };
}

function signedTx(from: Signer, message: EncodeObject, sequence: number): Uint8Array {
  return signedBenchTx(from, message, sequence, CHAIN_ID, { denom: DENOM, amount: FEE, gas: GAS });
}

async function drive(app: BaseApplication, txs: Uint8Array[], blockSize: number, firstHeight: bigint) {
  let checkMs = 0;
  let blockMs = 0;
  let height = firstHeight;
  for (let start = 0; start < txs.length; start += blockSize) {
    const block = txs.slice(start, start + blockSize);
    const checkStart = performance.now();
    for (const tx of block) {
      const response = await app.checkTx({ tx, type: "new" });
      if (response.code !== 0) throw new Error(`bench tx rejected by checkTx: ${response.log}`);
    }
    checkMs += performance.now() - checkStart;
    const blockStart = performance.now();
    const { txResults } = await app.finalizeBlock({
      txs: block,
      height,
      time: { seconds: 1_700_000_000n + height, nanos: 0 },
      proposerAddress: new Uint8Array(20),
      nextValidatorsHash: new Uint8Array(32),
      hash: new Uint8Array(32),
      decidedLastCommit: { round: 0, votes: [] },
      misbehavior: [],
    });
    await app.commit({ extraOperations: [] });
    blockMs += performance.now() - blockStart;
    const failed = txResults.find((result) => result.code !== 0);
    if (failed !== undefined) throw new Error(`bench tx failed in finalizeBlock: ${failed.log}`);
    height += 1n;
  }
  return { checkMs, blockMs, nextHeight: height };
}

export async function runMarketBench(options: MarketBenchOptions = {}): Promise<MarketBenchFigures> {
  const accountCount = options.accounts ?? 1000;
  const txsPerAccount = options.txsPerAccount ?? 2;
  const listingCount = options.listings ?? 20;
  const blockSize = options.blockSize ?? 500;
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-bench-market-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  try {
    const modules = [authModule(), bankModule(), poaModule(), deviceModule(), marketModule()];
    const store = await openCommitMultiStore({ db, storeNames: BaseApplication.storeNames(modules) });
    const app = new BaseApplication({ store, modules, chainId: CHAIN_ID, minGasPrices: "0.025usensor" });
    // Buyers 0..n-1, sellers after them; buyer 0 also operates the validator (the gateway).
    const keys = Array.from({ length: accountCount + listingCount }, (_, i) => signer(i));
    const gateway = keys[0]!.address;
    const genesis = {
      bank: {
        balances: keys.map((s) => ({ address: s.address, coins: [{ denom: DENOM, amount: "1000000000" }] })),
      },
      poa: {
        validators: [
          {
            pub_key: Buffer.from(ed25519.getPublicKey(new Uint8Array(32).fill(9))).toString("base64"),
            power: "10",
            operator: gateway,
            moniker: "bench",
            node_id: "bench",
          },
        ],
      },
    };
    await app.initChain({
      time: { seconds: 1_700_000_000n, nanos: 0 },
      chainId: CHAIN_ID,
      consensusParams: {
        block: { maxBytes: 22_020_096n, maxGas: -1n },
        evidence: { maxAgeNumBlocks: 100_000n, maxAgeDurationNs: 172_800_000_000_000n, maxBytes: 1_048_576n },
        validator: { pubKeyTypes: ["ed25519"] },
        version: { app: 1n },
      },
      validators: [],
      appStateBytes: new TextEncoder().encode(JSON.stringify(genesis)),
      initialHeight: 1n,
    });
    const signers: Signer[] = [];
    for (const key of keys) {
      const response = await app.query({
        path: "/cosmos.auth.v1beta1.Query/Account",
        data: QueryAccountRequest.encode({ address: key.address }).finish(),
        height: 0n,
        prove: false,
      });
      const account = BaseAccount.decode(QueryAccountResponse.decode(response.value).account!.value);
      signers.push({ ...key, accountNumber: account.accountNumber });
    }
    const buyers = signers.slice(0, accountCount);
    const sellers = signers.slice(accountCount);
    // Untimed setup: each seller registers a device and lists it (listing ids 1..listingCount).
    const setup: Uint8Array[] = [];
    for (const [i, s] of sellers.entries()) {
      const deviceId = `D035_${String(i + 1).padStart(4, "0")}`;
      const seed = new Uint8Array(32);
      new DataView(seed.buffer).setUint32(0, i + 1);
      setup.push(
        signedTx(
          s,
          {
            typeUrl: MSG_REGISTER_DEVICE,
            value: {
              owner: s.address,
              deviceId,
              publicKey: { type: KeyType.KEY_TYPE_ED25519, key: ed25519.getPublicKey(seed) },
              metadata: { model: "SmartMeter 3000", unit: "kWh", locationHint: "Berlin, DE" },
            },
          },
          0,
        ),
      );
    }
    for (const [i, s] of sellers.entries())
      setup.push(
        signedTx(
          s,
          {
            typeUrl: MSG_CREATE_LISTING,
            value: {
              seller: s.address,
              deviceId: `D035_${String(i + 1).padStart(4, "0")}`,
              stake: { denom: DENOM, amount: String(10_000 + i) },
              price: { denom: DENOM, amount: "1001" },
              periodSeconds: 3600n,
            },
          },
          1,
        ),
      );
    const ready = await drive(app, setup, blockSize, 1n);
    const sends: Uint8Array[] = [];
    const buys: Uint8Array[] = [];
    for (let round = 0; round < txsPerAccount; round++)
      for (const [i, s] of buyers.entries()) {
        const to = buyers[(i + 1) % buyers.length]!.address;
        sends.push(
          signedTx(
            s,
            {
              typeUrl: "/cosmos.bank.v1beta1.MsgSend",
              value: { fromAddress: s.address, toAddress: to, amount: [{ denom: DENOM, amount: "1" }] },
            },
            round,
          ),
        );
      }
    for (let round = 0; round < txsPerAccount; round++)
      for (const [i, s] of buyers.entries()) {
        const listingId = BigInt(((i + round) % listingCount) + 1);
        buys.push(
          signedTx(
            s,
            { typeUrl: MSG_BUY_ACCESS, value: { buyer: s.address, listingId, periods: 1, gateway } },
            txsPerAccount + round,
          ),
        );
      }
    const send = await drive(app, sends, blockSize, ready.nextHeight);
    const buy = await drive(app, buys, blockSize, send.nextHeight);
    const broken = await app.checkInvariants();
    if (broken.length > 0) throw new Error(`invariants broken after the bench: ${broken.join("; ")}`);
    const sendTxPerSecond = (sends.length * 1000) / (send.checkMs + send.blockMs);
    const buyTxPerSecond = (buys.length * 1000) / (buy.checkMs + buy.blockMs);
    const figures: MarketBenchFigures = {
      txs: buys.length,
      sendTxPerSecond,
      buyTxPerSecond,
      buyCheckTxPerSecond: (buys.length * 1000) / buy.checkMs,
      buyFinalizeCommitTxPerSecond: (buys.length * 1000) / buy.blockMs,
      ratio: buyTxPerSecond / sendTxPerSecond,
      blockSize,
      listings: listingCount,
    };
    printMarketFigures(figures);
    return figures;
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function printMarketFigures(f: MarketBenchFigures): void {
  console.log(
    `market (${fmt(f.txs)} MsgBuyAccess txs over ${f.listings} listings and as many MsgSend, blocks of ${fmt(f.blockSize)}, real store on LevelDB)`,
  );
  console.log(
    `  MsgSend, checkTx + finalizeBlock + commit        ${fmt(f.sendTxPerSecond).padStart(8)} tx/s`,
  );
  console.log(`  MsgBuyAccess, checkTx + finalizeBlock + commit   ${fmt(f.buyTxPerSecond).padStart(8)} tx/s`);
  console.log(
    `    checkTx alone                                  ${fmt(f.buyCheckTxPerSecond).padStart(8)} tx/s`,
  );
  console.log(
    `    finalizeBlock + commit alone                   ${fmt(f.buyFinalizeCommitTxPerSecond).padStart(8)} tx/s`,
  );
  console.log(
    `  buy / send                                       ${(f.ratio * 100).toFixed(0).padStart(7)} %`,
  );
}

if (import.meta.main) await runMarketBench();
