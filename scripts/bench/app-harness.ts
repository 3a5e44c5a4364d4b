// The harness of the module-message benches (device, escrow, market): one in-process application
// with the given modules on the real store in a temp LevelDB, many genesis-funded secp256k1 signers
// with their account numbers, pre-signed txs driven through checkTx then finalizeBlock + commit in
// blocks, and the MsgSend load each module message is compared with in the same run.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EncodeObject } from "@cosmjs/proto-signing";
import { ClassicLevel } from "classic-level";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BaseApplication } from "../../chain/app/application.ts";
import type { Module } from "../../chain/app/module.ts";
import { encodeAddress } from "../../chain/crypto/bech32.ts";
import { secp256k1Address, secp256k1PublicKey } from "../../chain/crypto/secp256k1.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import type { BenchFlagValues } from "./args.ts";
import { type BenchFee, type BenchSigner, signedTx } from "./signed-tx.ts";

export const BENCH_CHAIN_ID = "sensorchain-bench-1";
export const BENCH_DENOM = "usensor";
/** Genesis time; block h is at this + h seconds. */
export const GENESIS_SECONDS = 1_700_000_000n;
/** Each signer's genesis balance: far more than the fees and amounts of any run. */
const SIGNER_BALANCE = "1000000000";

/** The flags every module-message bench takes (their defaults are the run functions' defaults). */
export const APP_BENCH_FLAGS = {
  accounts: { type: "integer", default: 1000, description: "genesis-funded signers" },
  "txs-per-account": { type: "integer", default: 2, description: "txs of each kind per signer" },
  "block-size": { type: "integer", default: 500, description: "txs per block" },
} as const;

export interface AppBenchOptions {
  /** Signers; each sends `txsPerAccount` txs of each kind. */
  accounts?: number;
  txsPerAccount?: number;
  blockSize?: number;
}

/** The run options of APP_BENCH_FLAGS' parsed values. */
export function appBenchOptions(flags: BenchFlagValues<typeof APP_BENCH_FLAGS>): Required<AppBenchOptions> {
  return {
    accounts: flags.accounts,
    txsPerAccount: flags["txs-per-account"],
    blockSize: flags["block-size"],
  };
}

/** Signer `index` of a bench whose keys start with `keyByte` (each bench its own accounts). */
export function benchSigner(keyByte: number, index: number): Omit<BenchSigner, "accountNumber"> {
  const privateKey = new Uint8Array(32);
  new DataView(privateKey.buffer).setUint32(28, index + 1);
  privateKey[0] = keyByte;
  const publicKey = secp256k1PublicKey(privateKey);
  return { privateKey, publicKey, address: encodeAddress(secp256k1Address(publicKey)) };
}

export interface BenchApp {
  app: BaseApplication;
  /** The signers in the order given, each with its genesis account number. */
  signers: BenchSigner[];
  /** `message` signed by `from` at `sequence` for the bench chain (with `fee` when given). */
  sign: (from: BenchSigner, message: EncodeObject, sequence: number) => Uint8Array;
}

export interface BenchAppSetup {
  /** Temp folder prefix, e.g. "sensorchain-bench-device-". */
  dirPrefix: string;
  modules: Module[];
  keys: Omit<BenchSigner, "accountNumber">[];
  /** Genesis sections beside `bank`, which funds every key. */
  genesis?: Record<string, unknown>;
  fee?: BenchFee;
}

/** Runs `body` against a fresh application from `setup`'s genesis; removes its LevelDB after. */
export async function withBenchApp<T>(
  setup: BenchAppSetup,
  body: (bench: BenchApp) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), setup.dirPrefix));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  try {
    const store = await openCommitMultiStore({ db, storeNames: BaseApplication.storeNames(setup.modules) });
    const app = new BaseApplication({
      store,
      modules: setup.modules,
      chainId: BENCH_CHAIN_ID,
      minGasPrices: "0.025usensor",
    });
    const balances = setup.keys.map((s) => ({
      address: s.address,
      coins: [{ denom: BENCH_DENOM, amount: SIGNER_BALANCE }],
    }));
    await app.initChain({
      time: { seconds: GENESIS_SECONDS, nanos: 0 },
      chainId: BENCH_CHAIN_ID,
      consensusParams: {
        block: { maxBytes: 22_020_096n, maxGas: -1n },
        evidence: { maxAgeNumBlocks: 100_000n, maxAgeDurationNs: 172_800_000_000_000n, maxBytes: 1_048_576n },
        validator: { pubKeyTypes: ["ed25519"] },
        version: { app: 1n },
      },
      validators: [],
      appStateBytes: new TextEncoder().encode(JSON.stringify({ bank: { balances }, ...setup.genesis })),
      initialHeight: 1n,
    });
    const signers: BenchSigner[] = [];
    for (const key of setup.keys) {
      const response = await app.query({
        path: "/cosmos.auth.v1beta1.Query/Account",
        data: QueryAccountRequest.encode({ address: key.address }).finish(),
        height: 0n,
        prove: false,
      });
      const account = BaseAccount.decode(QueryAccountResponse.decode(response.value).account!.value);
      signers.push({ ...key, accountNumber: account.accountNumber });
    }
    const fee = setup.fee;
    const sign = (from: BenchSigner, message: EncodeObject, sequence: number) =>
      fee === undefined
        ? signedTx(from, message, sequence, BENCH_CHAIN_ID)
        : signedTx(from, message, sequence, BENCH_CHAIN_ID, fee);
    const result = await body({ app, signers, sign });
    const broken = await app.checkInvariants();
    if (broken.length > 0) throw new Error(`invariants broken after the bench: ${broken.join("; ")}`);
    return result;
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export interface DriveTimes {
  checkMs: number;
  blockMs: number;
  nextHeight: bigint;
}

/** Runs txs through checkTx then finalizeBlock + commit; returns the time of each phase. */
export async function drive(
  app: BaseApplication,
  txs: Uint8Array[],
  blockSize: number,
  firstHeight: bigint,
): Promise<DriveTimes> {
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
      time: { seconds: GENESIS_SECONDS + height, nanos: 0 },
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

/** `rounds` MsgSends of 1 usensor from each signer to the next, at sequences [firstSequence,
 * firstSequence + rounds), sequence-major as a mempool releases them. */
export function sendTxs(bench: BenchApp, signers: readonly BenchSigner[], rounds: number, firstSequence = 0) {
  const txs: Uint8Array[] = [];
  for (let round = 0; round < rounds; round++)
    for (const [i, s] of signers.entries()) {
      const to = signers[(i + 1) % signers.length]!.address;
      const message = {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: { fromAddress: s.address, toAddress: to, amount: [{ denom: BENCH_DENOM, amount: "1" }] },
      };
      txs.push(bench.sign(s, message, firstSequence + round));
    }
  return txs;
}

/** Rates of `txs` driven in `times`: whole, checkTx alone, finalizeBlock + commit alone (tx/s). */
export function txRates(txs: number, times: DriveTimes) {
  return {
    total: (txs * 1000) / (times.checkMs + times.blockMs),
    check: (txs * 1000) / times.checkMs,
    finalizeCommit: (txs * 1000) / times.blockMs,
  };
}
