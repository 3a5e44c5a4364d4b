// Buy-access throughput of one node beside the MsgSend rate measured in the same run with the same
// harness (scripts/bench/device.ts): pre-signed txs from many genesis-funded accounts go through
// checkTx, then finalizeBlock + commit in blocks, on the real store in a temp LevelDB. A few sellers
// list devices first (untimed); then every buyer buys access periods naming the only validator's
// operator as gateway. A purchase is three bank transfers (80/10/10), a grant with three index
// entries, a chained-start lookup and a listing update: about 4x the writes of a MsgSend.
import { ed25519 } from "@noble/curves/ed25519.js";
import { KeyType, MSG_BUY_ACCESS, MSG_CREATE_LISTING, MSG_REGISTER_DEVICE } from "../../client/index.ts";
import { authModule } from "../../modules/auth/module.ts";
import { bankModule } from "../../modules/bank/module.ts";
import { deviceModule } from "../../modules/device/module.ts";
import { marketModule } from "../../modules/market/module.ts";
import { poaModule } from "../../modules/poa/module.ts";
import {
  APP_BENCH_FLAGS,
  type AppBenchOptions,
  appBenchOptions,
  benchSigner,
  BENCH_DENOM as DENOM,
  drive,
  sendTxs,
  txRates,
  withBenchApp,
} from "./app-harness.ts";
import { benchCommand, runBenchMain } from "./args.ts";
import { fmt } from "./crypto.ts";

const GAS = 400_000;
/** 0.025usensor × GAS: the node's minimum gas price. */
const FEE = "10000";

export interface MarketBenchOptions extends AppBenchOptions {
  /** Sellers, one listed device each; purchases spread over them. */
  listings?: number;
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

export async function runMarketBench(options: MarketBenchOptions = {}): Promise<MarketBenchFigures> {
  const accountCount = options.accounts ?? 1000;
  const txsPerAccount = options.txsPerAccount ?? 2;
  const listingCount = options.listings ?? 20;
  const blockSize = options.blockSize ?? 500;
  // Buyers 0..n-1, sellers after them; buyer 0 also operates the validator (the gateway).
  const keys = Array.from({ length: accountCount + listingCount }, (_, i) => benchSigner(0x4d, i));
  const gateway = keys[0]!.address;
  const validator = {
    pub_key: Buffer.from(ed25519.getPublicKey(new Uint8Array(32).fill(9))).toString("base64"),
    power: "10",
    operator: gateway,
    moniker: "bench",
    node_id: "bench",
  };
  const setup = {
    dirPrefix: "sensorchain-bench-market-",
    modules: [authModule(), bankModule(), poaModule(), deviceModule(), marketModule()],
    keys,
    genesis: { poa: { validators: [validator] } },
    fee: { denom: DENOM, amount: FEE, gas: GAS },
  };
  const figures = await withBenchApp(setup, async (bench) => {
    const buyers = bench.signers.slice(0, accountCount);
    const sellers = bench.signers.slice(accountCount);
    // Untimed setup: each seller registers a device and lists it (listing ids 1..listingCount).
    const deviceId = (i: number) => `D035_${String(i + 1).padStart(4, "0")}`;
    const setupTxs: Uint8Array[] = [];
    for (const [i, s] of sellers.entries()) {
      const seed = new Uint8Array(32);
      new DataView(seed.buffer).setUint32(0, i + 1);
      const register = {
        typeUrl: MSG_REGISTER_DEVICE,
        value: {
          owner: s.address,
          deviceId: deviceId(i),
          publicKey: { type: KeyType.KEY_TYPE_ED25519, key: ed25519.getPublicKey(seed) },
          metadata: { model: "SmartMeter 3000", unit: "kWh", locationHint: "Berlin, DE" },
        },
      };
      setupTxs.push(bench.sign(s, register, 0));
    }
    for (const [i, s] of sellers.entries()) {
      const list = {
        typeUrl: MSG_CREATE_LISTING,
        value: {
          seller: s.address,
          deviceId: deviceId(i),
          stake: { denom: DENOM, amount: String(10_000 + i) },
          price: { denom: DENOM, amount: "1001" },
          periodSeconds: 3600n,
        },
      };
      setupTxs.push(bench.sign(s, list, 1));
    }
    const ready = await drive(bench.app, setupTxs, blockSize, 1n);
    const sends = sendTxs(bench, buyers, txsPerAccount);
    const buys: Uint8Array[] = [];
    for (let round = 0; round < txsPerAccount; round++)
      for (const [i, s] of buyers.entries()) {
        const listingId = BigInt(((i + round) % listingCount) + 1);
        const message = {
          typeUrl: MSG_BUY_ACCESS,
          value: { buyer: s.address, listingId, periods: 1, gateway },
        };
        buys.push(bench.sign(s, message, txsPerAccount + round));
      }
    const send = await drive(bench.app, sends, blockSize, ready.nextHeight);
    const buy = txRates(buys.length, await drive(bench.app, buys, blockSize, send.nextHeight));
    const sendTxPerSecond = txRates(sends.length, send).total;
    return {
      txs: buys.length,
      sendTxPerSecond,
      buyTxPerSecond: buy.total,
      buyCheckTxPerSecond: buy.check,
      buyFinalizeCommitTxPerSecond: buy.finalizeCommit,
      ratio: buy.total / sendTxPerSecond,
      blockSize,
      listings: listingCount,
    };
  });
  printMarketFigures(figures);
  return figures;
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

export const marketBenchCommand = benchCommand({
  name: "market",
  summary:
    "MsgBuyAccess vs MsgSend throughput of one node (checkTx, finalizeBlock + commit) on a real store\nin a temp LevelDB.",
  flags: {
    ...APP_BENCH_FLAGS,
    listings: { type: "integer", default: 20, description: "sellers, one listed device each" },
  },
  run: (flags) => runMarketBench({ ...appBenchOptions(flags), listings: flags.listings }),
});

if (import.meta.main) await runBenchMain(marketBenchCommand);
