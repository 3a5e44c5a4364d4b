// Open-escrow throughput of one node beside the MsgSend rate measured in the same run with the same
// harness (the pattern of scripts/bench/device.ts): pre-signed txs (cosmjs builders, SIGN_MODE_DIRECT)
// from many genesis-funded accounts go through checkTx, then finalizeBlock + commit in blocks, on the
// real store in a temp LevelDB. Every MsgOpenEscrow escrows 1,000 usensor for one shared device
// (genesis), so each tx also reads the device, moves coins into the module account and writes the
// escrow and its two indexes. Target: open-escrow >= 70% of the MsgSend rate.
import { ed25519 } from "@noble/curves/ed25519.js";
import { EscrowMode, MSG_OPEN_ESCROW } from "../../client/index.ts";
import { authModule } from "../../modules/auth/module.ts";
import { bankModule } from "../../modules/bank/module.ts";
import { deviceModule } from "../../modules/device/module.ts";
import { escrowModule } from "../../modules/escrow/module.ts";
import {
  APP_BENCH_FLAGS,
  type AppBenchOptions,
  appBenchOptions,
  benchSigner,
  BENCH_DENOM as DENOM,
  drive,
  GENESIS_SECONDS,
  sendTxs,
  txRates,
  withBenchApp,
} from "./app-harness.ts";
import { benchCommand, runBenchMain } from "./args.ts";
import { fmt } from "./crypto.ts";

const DEVICE_ID = "D035_0001";

export type EscrowBenchOptions = AppBenchOptions;

export interface EscrowBenchFigures {
  txs: number;
  sendTxPerSecond: number;
  openTxPerSecond: number;
  openCheckTxPerSecond: number;
  openFinalizeCommitTxPerSecond: number;
  ratio: number;
  blockSize: number;
}

export async function runEscrowBench(options: EscrowBenchOptions = {}): Promise<EscrowBenchFigures> {
  const accountCount = options.accounts ?? 1000;
  const txsPerAccount = options.txsPerAccount ?? 2;
  const blockSize = options.blockSize ?? 500;
  const keys = Array.from({ length: accountCount }, (_, i) => benchSigner(0x45, i));
  const device = {
    id: DEVICE_ID,
    owner: keys[0]!.address,
    public_key: {
      type: "KEY_TYPE_ED25519",
      key: Buffer.from(ed25519.getPublicKey(new Uint8Array(32).fill(1))).toString("base64"),
    },
    metadata: { model: "SmartMeter 3000", unit: "kWh", location_hint: "Berlin, DE" },
    shared: true,
    share_terms: { unit: "PRICING_UNIT_PER_DAY", price: { denom: DENOM, amount: "1000" } },
    status: "DEVICE_STATUS_ACTIVE",
    registration_height: "0",
  };
  const setup = {
    dirPrefix: "sensorchain-bench-escrow-",
    modules: [authModule(), bankModule(), deviceModule(), escrowModule()],
    keys,
    genesis: { device: { devices: [device] } },
  };
  const figures = await withBenchApp(setup, async (bench) => {
    // Sequence-major order, as a mempool releases them: sends use sequences [0, n), opens [n, 2n).
    const sends = sendTxs(bench, bench.signers, txsPerAccount);
    const opens: Uint8Array[] = [];
    for (let round = 0; round < txsPerAccount; round++)
      for (const s of bench.signers) {
        const message = {
          typeUrl: MSG_OPEN_ESCROW,
          value: {
            consumer: s.address,
            deviceId: DEVICE_ID,
            releaseAuthority: s.address,
            mode: EscrowMode.ESCROW_MODE_MANUAL,
            deposit: { denom: DENOM, amount: "1000" },
            price: { denom: DENOM, amount: "100" },
            periodSeconds: 86_400n,
            expiryTime: GENESIS_SECONDS + 30n * 86_400n,
          },
        };
        opens.push(bench.sign(s, message, txsPerAccount + round));
      }
    const send = await drive(bench.app, sends, blockSize, 1n);
    const open = txRates(opens.length, await drive(bench.app, opens, blockSize, send.nextHeight));
    const sendTxPerSecond = txRates(sends.length, send).total;
    return {
      txs: opens.length,
      sendTxPerSecond,
      openTxPerSecond: open.total,
      openCheckTxPerSecond: open.check,
      openFinalizeCommitTxPerSecond: open.finalizeCommit,
      ratio: open.total / sendTxPerSecond,
      blockSize,
    };
  });
  printEscrowFigures(figures);
  return figures;
}

export function printEscrowFigures(f: EscrowBenchFigures): void {
  console.log(
    `escrow (${fmt(f.txs)} MsgOpenEscrow txs and as many MsgSend, blocks of ${fmt(f.blockSize)}, real store on LevelDB)`,
  );
  console.log(`  MsgSend, checkTx + finalizeBlock + commit      ${fmt(f.sendTxPerSecond).padStart(8)} tx/s`);
  console.log(`  MsgOpenEscrow, checkTx + finalizeBlock + commit ${fmt(f.openTxPerSecond).padStart(7)} tx/s`);
  console.log(
    `    checkTx alone                                ${fmt(f.openCheckTxPerSecond).padStart(8)} tx/s`,
  );
  console.log(
    `    finalizeBlock + commit alone                 ${fmt(f.openFinalizeCommitTxPerSecond).padStart(8)} tx/s`,
  );
  console.log(
    `  open / send                                    ${(f.ratio * 100).toFixed(0).padStart(7)} %     (target >= 70%)`,
  );
}

export const escrowBenchCommand = benchCommand({
  name: "escrow",
  summary:
    "MsgOpenEscrow vs MsgSend throughput of one node (checkTx, finalizeBlock + commit) on a real store\nin a temp LevelDB; target open >= 70% of send.",
  flags: APP_BENCH_FLAGS,
  run: (flags) => runEscrowBench(appBenchOptions(flags)),
});

if (import.meta.main) await runBenchMain(escrowBenchCommand);
