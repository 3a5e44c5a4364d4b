// Open-escrow throughput of one node beside the MsgSend rate measured in the same run with the same
// harness (the pattern of scripts/bench/device.ts): pre-signed txs (cosmjs builders, SIGN_MODE_DIRECT)
// from many genesis-funded accounts go through checkTx, then finalizeBlock + commit in blocks, on the
// real store in a temp LevelDB. Every MsgOpenEscrow escrows 1,000 usensor for one shared device
// (genesis), so each tx also reads the device, moves coins into the module account and writes the
// escrow and its two indexes. Target: open-escrow >= 70% of the MsgSend rate.
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
import { EscrowMode, MSG_OPEN_ESCROW } from "../../client/index.ts";
import { authModule } from "../../modules/auth/module.ts";
import { bankModule } from "../../modules/bank/module.ts";
import { deviceModule } from "../../modules/device/module.ts";
import { escrowModule } from "../../modules/escrow/module.ts";
import { fmt } from "./crypto.ts";
import { type BenchSigner as Signer, signedTx as signedBenchTx } from "./signed-tx.ts";

const CHAIN_ID = "sensorchain-bench-1";
const DENOM = "usensor";
const DEVICE_ID = "D035_0001";
const GENESIS_SECONDS = 1_700_000_000n;

export interface EscrowBenchOptions {
  /** Signers; each sends `txsPerAccount` txs of each kind. */
  accounts?: number;
  txsPerAccount?: number;
  blockSize?: number;
}

export interface EscrowBenchFigures {
  txs: number;
  sendTxPerSecond: number;
  openTxPerSecond: number;
  openCheckTxPerSecond: number;
  openFinalizeCommitTxPerSecond: number;
  ratio: number;
  blockSize: number;
}

function signer(index: number): Omit<Signer, "accountNumber"> {
  const privateKey = new Uint8Array(32);
  new DataView(privateKey.buffer).setUint32(28, index + 1);
  privateKey[0] = 0x45;
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

export async function runEscrowBench(options: EscrowBenchOptions = {}): Promise<EscrowBenchFigures> {
  const accountCount = options.accounts ?? 1000;
  const txsPerAccount = options.txsPerAccount ?? 2;
  const blockSize = options.blockSize ?? 500;
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-bench-escrow-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  try {
    const modules = [authModule(), bankModule(), deviceModule(), escrowModule()];
    const store = await openCommitMultiStore({ db, storeNames: BaseApplication.storeNames(modules) });
    const app = new BaseApplication({ store, modules, chainId: CHAIN_ID, minGasPrices: "0.025usensor" });
    const keys = Array.from({ length: accountCount }, (_, i) => signer(i));
    const owner = keys[0]!.address;
    const genesis = {
      bank: {
        balances: keys.map((s) => ({ address: s.address, coins: [{ denom: DENOM, amount: "1000000000" }] })),
      },
      device: {
        devices: [
          {
            id: DEVICE_ID,
            owner,
            public_key: {
              type: "KEY_TYPE_ED25519",
              key: Buffer.from(ed25519.getPublicKey(new Uint8Array(32).fill(1))).toString("base64"),
            },
            metadata: { model: "SmartMeter 3000", unit: "kWh", location_hint: "Berlin, DE" },
            shared: true,
            share_terms: { unit: "PRICING_UNIT_PER_DAY", price: { denom: DENOM, amount: "1000" } },
            status: "DEVICE_STATUS_ACTIVE",
            registration_height: "0",
          },
        ],
      },
    };
    await app.initChain({
      time: { seconds: GENESIS_SECONDS, nanos: 0 },
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
    // Sequence-major order, as a mempool releases them: sends use sequences [0, n), opens [n, 2n).
    const sends: Uint8Array[] = [];
    const opens: Uint8Array[] = [];
    for (let round = 0; round < txsPerAccount; round++)
      for (const [i, s] of signers.entries()) {
        const to = signers[(i + 1) % signers.length]!.address;
        const message = {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: { fromAddress: s.address, toAddress: to, amount: [{ denom: DENOM, amount: "1" }] },
        };
        sends.push(signedTx(s, message, round));
      }
    for (let round = 0; round < txsPerAccount; round++)
      for (const s of signers) {
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
        opens.push(signedTx(s, message, txsPerAccount + round));
      }
    const send = await drive(app, sends, blockSize, 1n);
    const open = await drive(app, opens, blockSize, send.nextHeight);
    const broken = await app.checkInvariants();
    if (broken.length > 0) throw new Error(`invariants broken after the bench: ${broken.join("; ")}`);
    const sendTxPerSecond = (sends.length * 1000) / (send.checkMs + send.blockMs);
    const openTxPerSecond = (opens.length * 1000) / (open.checkMs + open.blockMs);
    const figures: EscrowBenchFigures = {
      txs: opens.length,
      sendTxPerSecond,
      openTxPerSecond,
      openCheckTxPerSecond: (opens.length * 1000) / open.checkMs,
      openFinalizeCommitTxPerSecond: (opens.length * 1000) / open.blockMs,
      ratio: openTxPerSecond / sendTxPerSecond,
      blockSize,
    };
    printEscrowFigures(figures);
    return figures;
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
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

if (import.meta.main) await runEscrowBench();
