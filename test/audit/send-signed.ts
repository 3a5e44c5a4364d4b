// The replay tests' chain of txs: one account's txs signed at consecutive sequences (the client
// registry, so module messages too) and broadcast in bursts, each burst included before the next.
import type { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient, StargateClient, type StdFee } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { createRegistry } from "../../client/index.ts";
import { CHAIN_ID, rpc } from "../helpers/node-process.ts";

export type Msg = { typeUrl: string; value: unknown };
export type Signer = { wallet: DirectSecp256k1HdWallet; address: string };

/** Txs sent per broadcast burst before waiting for them to be included. */
const BURST = 50;
/** Attempts of an RPC call that fails to connect (a loaded node may drop a connection). */
const RPC_ATTEMPTS = 3;

/** `rpc`, tried again when the request itself fails (a TypeError from fetch), up to RPC_ATTEMPTS. */
export async function rpcRetrying(url: string, method: string, params: Record<string, unknown>) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await rpc(url, method, params);
    } catch (error) {
      if (attempt === RPC_ATTEMPTS || !(error instanceof TypeError)) throw error;
    }
  }
}

/** Signs `messages` (one tx each, with `fee` and the memo `memo(index)`) from `signer`'s next sequence
 * and broadcasts them; throws if the node refuses one. */
export async function sendSigned(
  url: string,
  signer: Signer,
  messages: Msg[][],
  fee: StdFee,
  memo: (index: number) => string = () => "",
): Promise<void> {
  const client = await SigningStargateClient.offline(signer.wallet, { registry: createRegistry() });
  const query = await StargateClient.connect(url);
  try {
    const account = await query.getAccount(signer.address);
    const start = account!.sequence;
    const raws: Uint8Array[] = [];
    for (const [index, msgs] of messages.entries()) {
      const raw = await client.sign(signer.address, msgs as never, fee, memo(index), {
        accountNumber: account!.accountNumber,
        sequence: start + index,
        chainId: CHAIN_ID,
      });
      raws.push(TxRaw.encode(raw).finish());
    }
    for (let i = 0; i < raws.length; i += BURST) {
      for (const bytes of raws.slice(i, i + BURST)) {
        const answer = await rpcRetrying(url, "broadcast_tx_sync", {
          tx: Buffer.from(bytes).toString("base64"),
        });
        // 19 (tx_in_cache): a retried broadcast whose first attempt did arrive.
        if (answer.result?.code !== 0 && answer.result?.code !== 19)
          throw new Error(`refused: ${JSON.stringify(answer)}`);
      }
      while ((await query.getSequence(signer.address)).sequence < start + Math.min(i + BURST, raws.length))
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    query.disconnect();
  }
}
