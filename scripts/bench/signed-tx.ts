// One pre-signed tx as cosmjs' SigningStargateClient.signDirect builds it (SIGN_MODE_DIRECT, the
// project's registry), for the benchmarks that feed a node or an application many signed txs.
import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import { type EncodeObject, encodePubkey, makeAuthInfoBytes, makeSignDoc } from "@cosmjs/proto-signing";
import { SignDoc, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { signSecp256k1 } from "../../chain/crypto/secp256k1.ts";
import { createRegistry } from "../../client/index.ts";

const registry = createRegistry();

export interface BenchSigner {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  address: string;
  accountNumber: bigint;
}

export interface BenchFee {
  denom: string;
  amount: string;
  gas: number;
}

/** Fee of a bench tx: enough gas for the single message most benchmarks send. */
export const BENCH_FEE: BenchFee = { denom: "usensor", amount: "5000", gas: 200_000 };

/** `message` alone in a tx signed by `from` at `sequence` for `chainId`, paying `fee`. */
export function signedTx(
  from: BenchSigner,
  message: EncodeObject,
  sequence: number,
  chainId: string,
  fee: BenchFee = BENCH_FEE,
): Uint8Array {
  const bodyBytes = registry.encode({
    typeUrl: "/cosmos.tx.v1beta1.TxBody",
    value: { messages: [message], memo: "" },
  });
  const pubkey = encodePubkey(encodeSecp256k1Pubkey(from.publicKey));
  const authInfoBytes = makeAuthInfoBytes(
    [{ pubkey, sequence }],
    [{ denom: fee.denom, amount: fee.amount }],
    fee.gas,
    undefined,
    undefined,
  );
  const signDoc = makeSignDoc(bodyBytes, authInfoBytes, chainId, Number(from.accountNumber));
  const signature = signSecp256k1(SignDoc.encode(signDoc).finish(), from.privateKey);
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [signature] }).finish();
}
