// Register-device throughput of one node beside the MsgSend rate measured in the same run with the
// same harness: pre-signed txs (cosmjs builders, SIGN_MODE_DIRECT) from many genesis-funded accounts
// go through checkTx, then finalizeBlock + commit in blocks, on the real store in a temp LevelDB.
// Target: register-device ≥ 70% of the MsgSend rate. Each device carries an ed25519 key, which the
// module checks is on the curve (the main extra cost over MsgSend besides the larger state writes).
import { ed25519 } from "@noble/curves/ed25519.js";
import { KeyType, MSG_REGISTER_DEVICE } from "../../client/index.ts";
import { authModule } from "../../modules/auth/module.ts";
import { bankModule } from "../../modules/bank/module.ts";
import { deviceModule } from "../../modules/device/module.ts";
import {
  APP_BENCH_FLAGS,
  type AppBenchOptions,
  appBenchOptions,
  benchSigner,
  drive,
  sendTxs,
  txRates,
  withBenchApp,
} from "./app-harness.ts";
import { benchCommand, runBenchMain } from "./args.ts";
import { fmt } from "./crypto.ts";

export type DeviceBenchOptions = AppBenchOptions;

export interface DeviceBenchFigures {
  txs: number;
  sendTxPerSecond: number;
  registerTxPerSecond: number;
  registerCheckTxPerSecond: number;
  registerFinalizeCommitTxPerSecond: number;
  ratio: number;
  blockSize: number;
}

export async function runDeviceBench(options: DeviceBenchOptions = {}): Promise<DeviceBenchFigures> {
  const accountCount = options.accounts ?? 1000;
  const txsPerAccount = options.txsPerAccount ?? 2;
  const blockSize = options.blockSize ?? 500;
  const setup = {
    dirPrefix: "sensorchain-bench-device-",
    modules: [authModule(), bankModule(), deviceModule()],
    keys: Array.from({ length: accountCount }, (_, i) => benchSigner(0x43, i)),
  };
  const figures = await withBenchApp(setup, async (bench) => {
    // Sequence-major order, as a mempool releases them: sends use sequences [0, n), registrations [n, 2n).
    const sends = sendTxs(bench, bench.signers, txsPerAccount);
    const registrations: Uint8Array[] = [];
    for (let round = 0; round < txsPerAccount; round++)
      for (const [i, s] of bench.signers.entries()) {
        const number = round * accountCount + i + 1;
        const deviceId = `D035_${number < 10_000 ? String(number).padStart(4, "0") : number}`;
        const seed = new Uint8Array(32);
        new DataView(seed.buffer).setUint32(0, number);
        const message = {
          typeUrl: MSG_REGISTER_DEVICE,
          value: {
            owner: s.address,
            deviceId,
            publicKey: { type: KeyType.KEY_TYPE_ED25519, key: ed25519.getPublicKey(seed) },
            metadata: { model: "SmartMeter 3000", unit: "kWh", locationHint: "Berlin, DE" },
          },
        };
        registrations.push(bench.sign(s, message, txsPerAccount + round));
      }
    const send = await drive(bench.app, sends, blockSize, 1n);
    const register = txRates(
      registrations.length,
      await drive(bench.app, registrations, blockSize, send.nextHeight),
    );
    const sendTxPerSecond = txRates(sends.length, send).total;
    return {
      txs: registrations.length,
      sendTxPerSecond,
      registerTxPerSecond: register.total,
      registerCheckTxPerSecond: register.check,
      registerFinalizeCommitTxPerSecond: register.finalizeCommit,
      ratio: register.total / sendTxPerSecond,
      blockSize,
    };
  });
  printDeviceFigures(figures);
  return figures;
}

export function printDeviceFigures(f: DeviceBenchFigures): void {
  console.log(
    `device (${fmt(f.txs)} MsgRegisterDevice txs and as many MsgSend, blocks of ${fmt(f.blockSize)}, real store on LevelDB)`,
  );
  console.log(
    `  MsgSend, checkTx + finalizeBlock + commit          ${fmt(f.sendTxPerSecond).padStart(8)} tx/s`,
  );
  console.log(
    `  MsgRegisterDevice, checkTx + finalizeBlock + commit ${fmt(f.registerTxPerSecond).padStart(7)} tx/s`,
  );
  console.log(
    `    checkTx alone                                    ${fmt(f.registerCheckTxPerSecond).padStart(8)} tx/s`,
  );
  console.log(
    `    finalizeBlock + commit alone                     ${fmt(f.registerFinalizeCommitTxPerSecond).padStart(8)} tx/s`,
  );
  console.log(
    `  register / send                                    ${(f.ratio * 100).toFixed(0).padStart(7)} %     (target >= 70%)`,
  );
}

export const deviceBenchCommand = benchCommand({
  name: "device",
  summary:
    "MsgRegisterDevice vs MsgSend throughput of one node (checkTx, finalizeBlock + commit) on a real\nstore in a temp LevelDB; target register >= 70% of send.",
  flags: APP_BENCH_FLAGS,
  run: (flags) => runDeviceBench(appBenchOptions(flags)),
});

if (import.meta.main) await runBenchMain(deviceBenchCommand);
