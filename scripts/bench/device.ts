// Register-device throughput of one node beside the MsgSend rate measured in the same run with the
// same harness: pre-signed txs (cosmjs builders, SIGN_MODE_DIRECT) from many genesis-funded accounts
// go through checkTx, then finalizeBlock + commit in blocks, on the real store in a temp LevelDB.
// Target: register-device ≥ 70% of the MsgSend rate. Each device carries an ed25519 key, which the
// module checks is on the curve (the main extra cost over MsgSend besides the larger state writes).
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
import { KeyType, MSG_REGISTER_DEVICE } from "../../client/index.ts";
import { authModule } from "../../modules/auth/module.ts";
import { bankModule } from "../../modules/bank/module.ts";
import { deviceModule } from "../../modules/device/module.ts";
import { fmt } from "./crypto.ts";
import { type BenchSigner as Signer, signedTx as signedBenchTx } from "./signed-tx.ts";

const CHAIN_ID = "sensorchain-bench-1";
const DENOM = "usensor";

export interface DeviceBenchOptions {
  /** Signers; each sends `txsPerAccount` txs of each kind. */
  accounts?: number;
  txsPerAccount?: number;
  blockSize?: number;
}

export interface DeviceBenchFigures {
  txs: number;
  sendTxPerSecond: number;
  registerTxPerSecond: number;
  registerCheckTxPerSecond: number;
  registerFinalizeCommitTxPerSecond: number;
  ratio: number;
  blockSize: number;
}

function signer(index: number): Omit<Signer, "accountNumber"> {
  const privateKey = new Uint8Array(32);
  new DataView(privateKey.buffer).setUint32(28, index + 1);
  privateKey[0] = 0x43;
  const publicKey = secp256k1PublicKey(privateKey);
  return { privateKey, publicKey, address: encodeAddress(secp256k1Address(publicKey)) };
}

function signedTx(from: Signer, message: EncodeObject, sequence: number): Uint8Array {
  return signedBenchTx(from, message, sequence, CHAIN_ID);
}

/** Runs txs through checkTx then finalizeBlock + commit; returns the time of each phase. */
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

export async function runDeviceBench(options: DeviceBenchOptions = {}): Promise<DeviceBenchFigures> {
  const accountCount = options.accounts ?? 1000;
  const txsPerAccount = options.txsPerAccount ?? 2;
  const blockSize = options.blockSize ?? 500;
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-bench-device-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  try {
    const modules = [authModule(), bankModule(), deviceModule()];
    const store = await openCommitMultiStore({ db, storeNames: BaseApplication.storeNames(modules) });
    const app = new BaseApplication({ store, modules, chainId: CHAIN_ID, minGasPrices: "0.025usensor" });
    const keys = Array.from({ length: accountCount }, (_, i) => signer(i));
    const genesis = {
      bank: {
        balances: keys.map((s) => ({ address: s.address, coins: [{ denom: DENOM, amount: "1000000000" }] })),
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
    // Sequence-major order, as a mempool releases them: sends use sequences [0, n), registrations [n, 2n).
    const sends: Uint8Array[] = [];
    const registrations: Uint8Array[] = [];
    for (let round = 0; round < txsPerAccount; round++)
      for (const [i, s] of signers.entries()) {
        const to = signers[(i + 1) % signers.length]!.address;
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
      for (const [i, s] of signers.entries()) {
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
        registrations.push(signedTx(s, message, txsPerAccount + round));
      }
    const send = await drive(app, sends, blockSize, 1n);
    const register = await drive(app, registrations, blockSize, send.nextHeight);
    const broken = await app.checkInvariants();
    if (broken.length > 0) throw new Error(`invariants broken after the bench: ${broken.join("; ")}`);
    const sendTxPerSecond = (sends.length * 1000) / (send.checkMs + send.blockMs);
    const registerTxPerSecond = (registrations.length * 1000) / (register.checkMs + register.blockMs);
    const figures: DeviceBenchFigures = {
      txs: registrations.length,
      sendTxPerSecond,
      registerTxPerSecond,
      registerCheckTxPerSecond: (registrations.length * 1000) / register.checkMs,
      registerFinalizeCommitTxPerSecond: (registrations.length * 1000) / register.blockMs,
      ratio: registerTxPerSecond / sendTxPerSecond,
      blockSize,
    };
    printDeviceFigures(figures);
    return figures;
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
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

if (import.meta.main) await runDeviceBench();
