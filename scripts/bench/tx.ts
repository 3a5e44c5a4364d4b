// MsgSend throughput of one node: pre-signed txs from many accounts go through checkTx, then
// finalizeBlock + commit in blocks of ~1,000, on the real store in a temp LevelDB. Printed beside
// the secp256k1 verification rate of one core measured in the same run, the ceiling a tx is
// bounded by (each tx is verified once; the verdict is cached for finalizeBlock).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import { encodePubkey, makeAuthInfoBytes, makeSignDoc, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes } from "@cosmjs/stargate";
import { ClassicLevel } from "classic-level";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { SignDoc, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { BaseApplication } from "../../chain/app/application.ts";
import { encodeAddress } from "../../chain/crypto/bech32.ts";
import {
  secp256k1Address,
  secp256k1PublicKey,
  signSecp256k1,
  verifySecp256k1,
} from "../../chain/crypto/secp256k1.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import { authModule } from "../../modules/auth/module.ts";
import { bankModule } from "../../modules/bank/module.ts";
import { fmt, rate } from "./crypto.ts";

const CHAIN_ID = "sensorchain-bench-1";
const DENOM = "usensor";

export interface TxBenchOptions {
  accounts?: number;
  txsPerAccount?: number;
  blockSize?: number;
}

export interface TxBenchFigures {
  txs: number;
  txPerSecond: number;
  checkTxPerSecond: number;
  finalizeCommitTxPerSecond: number;
  secp256k1VerifyPerSecond: number;
  blockSize: number;
  accounts: number;
}

interface Signer {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  address: string;
}

function signer(index: number): Signer {
  const privateKey = new Uint8Array(32);
  new DataView(privateKey.buffer).setUint32(28, index + 1);
  privateKey[0] = 0x42;
  const publicKey = secp256k1PublicKey(privateKey);
  return { privateKey, publicKey, address: encodeAddress(secp256k1Address(publicKey)) };
}

const registry = new Registry(defaultRegistryTypes);

/** A MsgSend tx built with cosmjs' own builders (as SigningStargateClient.signDirect does). */
function signedSend(from: Signer, to: string, accountNumber: bigint, sequence: number): Uint8Array {
  const bodyBytes = registry.encode({
    typeUrl: "/cosmos.tx.v1beta1.TxBody",
    value: {
      messages: [
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: { fromAddress: from.address, toAddress: to, amount: [{ denom: DENOM, amount: "1" }] },
        },
      ],
      memo: "",
    },
  });
  const pubkey = encodePubkey(encodeSecp256k1Pubkey(from.publicKey));
  const authInfoBytes = makeAuthInfoBytes(
    [{ pubkey, sequence }],
    [{ denom: DENOM, amount: "2500" }],
    100_000,
    undefined,
    undefined,
  );
  const signDoc = makeSignDoc(bodyBytes, authInfoBytes, CHAIN_ID, Number(accountNumber));
  const signature = signSecp256k1(SignDoc.encode(signDoc).finish(), from.privateKey);
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [signature] }).finish();
}

export async function runTxBench(options: TxBenchOptions = {}): Promise<TxBenchFigures> {
  const accountCount = options.accounts ?? 2000;
  const txsPerAccount = options.txsPerAccount ?? 2;
  const blockSize = options.blockSize ?? 1000;
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-bench-tx-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  try {
    const modules = [authModule(), bankModule()];
    const store = await openCommitMultiStore({ db, storeNames: BaseApplication.storeNames(modules) });
    const app = new BaseApplication({ store, modules, chainId: CHAIN_ID, minGasPrices: "0.025usensor" });
    const signers = Array.from({ length: accountCount }, (_, i) => signer(i));
    const genesis = {
      bank: {
        balances: signers.map((s) => ({
          address: s.address,
          coins: [{ denom: DENOM, amount: "1000000000" }],
        })),
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
    const accountNumbers: bigint[] = [];
    for (const s of signers) {
      const response = await app.query({
        path: "/cosmos.auth.v1beta1.Query/Account",
        data: QueryAccountRequest.encode({ address: s.address }).finish(),
        height: 0n,
        prove: false,
      });
      accountNumbers.push(
        BaseAccount.decode(QueryAccountResponse.decode(response.value).account!.value).accountNumber,
      );
    }
    // Sequence-major order: every account's tx at sequence s before any at s + 1, as a mempool releases them.
    const txs: Uint8Array[] = [];
    for (let sequence = 0; sequence < txsPerAccount; sequence++)
      for (let i = 0; i < accountCount; i++)
        txs.push(
          signedSend(signers[i]!, signers[(i + 1) % accountCount]!.address, accountNumbers[i]!, sequence),
        );

    let checkMs = 0;
    let blockMs = 0;
    const blockInfo = (height: bigint) => ({
      height,
      time: { seconds: 1_700_000_000n + height, nanos: 0 },
      proposerAddress: new Uint8Array(20),
      nextValidatorsHash: new Uint8Array(32),
      hash: new Uint8Array(32),
      decidedLastCommit: { round: 0, votes: [] },
      misbehavior: [],
    });
    let height = 0n;
    for (let start = 0; start < txs.length; start += blockSize) {
      const block = txs.slice(start, start + blockSize);
      const checkStart = performance.now();
      for (const tx of block) {
        const response = await app.checkTx({ tx, type: "new" });
        if (response.code !== 0) throw new Error(`bench tx rejected by checkTx: ${response.log}`);
      }
      checkMs += performance.now() - checkStart;
      height += 1n;
      const blockStart = performance.now();
      const { txResults } = await app.finalizeBlock({ ...blockInfo(height), txs: block });
      await app.commit({ extraOperations: [] });
      blockMs += performance.now() - blockStart;
      const failed = txResults.find((result) => result.code !== 0);
      if (failed !== undefined) throw new Error(`bench tx failed in finalizeBlock: ${failed.log}`);
    }
    const broken = await app.checkInvariants();
    if (broken.length > 0) throw new Error(`invariants broken after the bench: ${broken.join("; ")}`);
    const message = new Uint8Array(200).fill(7);
    const key = signers[0]!;
    const signature = signSecp256k1(message, key.privateKey);
    const figures: TxBenchFigures = {
      txs: txs.length,
      txPerSecond: (txs.length * 1000) / (checkMs + blockMs),
      checkTxPerSecond: (txs.length * 1000) / checkMs,
      finalizeCommitTxPerSecond: (txs.length * 1000) / blockMs,
      secp256k1VerifyPerSecond: rate(() => verifySecp256k1(signature, message, key.publicKey)),
      blockSize,
      accounts: accountCount,
    };
    printTxFigures(figures);
    return figures;
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function printTxFigures(f: TxBenchFigures): void {
  console.log(
    `tx (MsgSend, ${fmt(f.txs)} txs from ${fmt(f.accounts)} accounts, blocks of ${fmt(f.blockSize)}, real store on LevelDB)`,
  );
  console.log(
    `  checkTx + finalizeBlock + commit   ${fmt(f.txPerSecond).padStart(8)} tx/s   (target >= 2,000)`,
  );
  console.log(
    `    checkTx alone                    ${fmt(f.checkTxPerSecond).padStart(8)} tx/s   (verifies each signature)`,
  );
  console.log(
    `    finalizeBlock + commit alone     ${fmt(f.finalizeCommitTxPerSecond).padStart(8)} tx/s   (signature verdicts cached)`,
  );
  console.log(
    `  secp256k1 verify, one core         ${fmt(f.secp256k1VerifyPerSecond).padStart(8)} /s     (ceiling of checkTx)`,
  );
}

if (import.meta.main) await runTxBench();
