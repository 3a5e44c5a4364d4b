// Signs and submits the operator's commitment txs through the node's own ingress (checkTx, mempool,
// gossip), as a cosmjs client would: SIGN_MODE_DIRECT with the project's registry, account number
// and sequence from the auth query, gas from a simulation, the fee from the node's minimum gas
// prices. One tx at a time (so sequences never race); it is confirmed by watching committed Tx
// events; a sequence mismatch re-reads the account and signs again.
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { SigningStargateClient } from "@cosmjs/stargate";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { CheckTxResponse, ExecTxResult } from "../../chain/app/abci.ts";
import { parseDecCoins, requiredFees } from "../../chain/app/coins.ts";
import { SDK_CODESPACE, SdkCode } from "../../chain/app/errors.ts";
import { SIMULATE_PATH } from "../../chain/app/query.ts";
import { bytesEqual, sha256 } from "../../chain/crypto/hash.ts";
import type { NodeEvent } from "../../chain/rpc/backend.ts";
import { createRegistry } from "../../client/index.ts";
import type { QueryFunction } from "../registry.ts";
import type { OperatorKey } from "./operator-key.ts";

const ACCOUNT_QUERY = "/cosmos.auth.v1beta1.Query/Account";
/** Signing attempts of one tx when the sequence moved under it (another tx of this key elsewhere). */
export const MAX_SEQUENCE_RETRIES = 3;
/** Simulated gas × this (in percent) + GAS_MARGIN: a finalizing attestation pays escrow releases whose
 * cost may differ a little between simulation and the block. */
const GAS_ADJUSTMENT_PERCENT = 130n;
const GAS_MARGIN = 20_000n;
/** How long a submitted tx may take to be committed before the sender gives up on it, ms: many block
 * intervals; the scheduler's next pass finds out from chain state what happened. */
export const TX_CONFIRM_TIMEOUT_MS = 60_000;

/** A node's query answers carry a log; the QueryFunction type promises only code and value. */
const logOf = (response: object): string => {
  const log = (response as { log?: unknown }).log;
  return typeof log === "string" ? log : "";
};

/** The ante handler's refusal of a stale account sequence: re-read the account and sign again. */
const isWrongSequence = (code: number, codespace: string): boolean =>
  code === SdkCode.wrongSequence.code && codespace === SDK_CODESPACE;

const codespaceOf = (response: object): string => {
  const codespace = (response as { codespace?: unknown }).codespace;
  return typeof codespace === "string" ? codespace : "";
};

export class CommitmentTxError extends Error {
  readonly code: "account_unavailable" | "simulation_failed" | "tx_refused" | "tx_unconfirmed";
  readonly abciCode: number;
  readonly codespace: string;
  constructor(code: CommitmentTxError["code"], message: string, abciCode = 0, codespace = "") {
    super(message);
    this.code = code;
    this.abciCode = abciCode;
    this.codespace = codespace;
  }
}

export interface TxSenderOptions {
  key: OperatorKey;
  chainId: string;
  query: QueryFunction;
  submitTx(tx: Uint8Array): Promise<CheckTxResponse>;
  subscribe(listener: (event: NodeEvent) => void): () => void;
  /** The node's app.minimum_gas_prices ("0.025usensor"; "" = no fee). */
  minimumGasPrices: string;
  confirmTimeoutMs?: number;
}

/** A committed tx's outcome. */
export interface SentTx {
  hash: Uint8Array;
  height: bigint;
  result: ExecTxResult;
}

export class CommitmentTxSender {
  readonly #options: TxSenderOptions;
  readonly #prices: ReturnType<typeof parseDecCoins>;
  #client: SigningStargateClient | undefined;
  #account: { accountNumber: bigint; sequence: bigint } | undefined;
  /** One tx at a time: sequences are handed out in order. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Cancels the wait of the tx in flight (close). */
  readonly #waits = new Set<() => void>();
  #closed = false;

  constructor(options: TxSenderOptions) {
    this.#options = options;
    this.#prices = parseDecCoins(options.minimumGasPrices).filter((price) => price.scaledAmount > 0n);
  }

  get address(): string {
    return this.#options.key.address;
  }

  /** Ends the wait of a tx in flight (it fails with tx_unconfirmed) and refuses further sends. */
  close(): void {
    this.#closed = true;
    for (const cancel of [...this.#waits]) cancel();
  }

  /** Signs `messages` in one tx, submits it and waits until a block includes it. */
  send(messages: EncodeObject[]): Promise<SentTx> {
    const next = this.#queue.then(() => this.#send(messages));
    this.#queue = next.catch(() => {});
    return next;
  }

  async #signer(): Promise<SigningStargateClient> {
    if (this.#client === undefined) {
      const { DirectSecp256k1Wallet } = await import("@cosmjs/proto-signing");
      const { SigningStargateClient } = await import("@cosmjs/stargate");
      const prefix = this.#options.key.address.slice(0, this.#options.key.address.lastIndexOf("1"));
      const wallet = await DirectSecp256k1Wallet.fromKey(this.#options.key.privateKey, prefix);
      this.#client = await SigningStargateClient.offline(wallet, { registry: createRegistry() });
    }
    return this.#client;
  }

  async #loadAccount(): Promise<{ accountNumber: bigint; sequence: bigint }> {
    const request = QueryAccountRequest.encode({ address: this.address }).finish();
    const response = await this.#options.query(ACCOUNT_QUERY, request);
    if (response.code !== 0)
      throw new CommitmentTxError(
        "account_unavailable",
        `operator account ${this.address} not readable (code ${response.code}: ${logOf(response)}); is it funded?`,
        response.code,
      );
    const any = QueryAccountResponse.decode(response.value).account;
    const account = BaseAccount.decode(any?.value ?? new Uint8Array(0));
    return { accountNumber: account.accountNumber, sequence: account.sequence };
  }

  async #sign(messages: EncodeObject[], gas: bigint, account: { accountNumber: bigint; sequence: bigint }) {
    const client = await this.#signer();
    const fee = {
      amount: requiredFees(this.#prices.slice(0, 1), gas)
        .filter((coin) => coin.amount > 0n)
        .map((coin) => ({ denom: coin.denom, amount: coin.amount.toString() })),
      gas: gas.toString(),
    };
    const raw = await client.sign(this.address, messages, fee, "", {
      accountNumber: account.accountNumber,
      sequence: Number(account.sequence),
      chainId: this.#options.chainId,
    });
    return TxRaw.encode(raw).finish();
  }

  async #gas(
    messages: EncodeObject[],
    account: { accountNumber: bigint; sequence: bigint },
  ): Promise<bigint> {
    // Simulation skips signature and fee checks: any gas limit will do for the probe.
    const probe = await this.#sign(messages, 0n, account);
    const response = await this.#options.query(
      SIMULATE_PATH,
      SimulateRequest.encode({ txBytes: probe }).finish(),
    );
    if (response.code !== 0)
      throw new CommitmentTxError(
        "simulation_failed",
        `simulation failed (code ${response.code}): ${logOf(response)}`,
        response.code,
        codespaceOf(response),
      );
    const used = SimulateResponse.decode(response.value).gasInfo?.gasUsed ?? 0n;
    return (used * GAS_ADJUSTMENT_PERCENT) / 100n + GAS_MARGIN;
  }

  async #send(messages: EncodeObject[]): Promise<SentTx> {
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) throw new CommitmentTxError("tx_unconfirmed", "the bridge is stopping");
      this.#account ??= await this.#loadAccount();
      const account = this.#account;
      let gas: bigint;
      try {
        gas = await this.#gas(messages, account);
      } catch (error) {
        // Simulation runs the ante handler too: a stale sequence shows up here first.
        this.#account = undefined;
        const stale = error instanceof CommitmentTxError && isWrongSequence(error.abciCode, error.codespace);
        if (stale && attempt < MAX_SEQUENCE_RETRIES) continue;
        throw error;
      }
      const tx = await this.#sign(messages, gas, account);
      const hash = sha256(tx);
      // Listen before submitting: the block may commit before submitTx's promise settles.
      const confirmed = this.#waitForCommit(hash);
      let response: CheckTxResponse;
      try {
        response = await this.#options.submitTx(tx);
      } catch (error) {
        confirmed.cancel();
        this.#account = undefined;
        throw error;
      }
      if (response.code !== 0) {
        confirmed.cancel();
        this.#account = undefined;
        if (isWrongSequence(response.code, response.codespace) && attempt < MAX_SEQUENCE_RETRIES) continue;
        throw new CommitmentTxError(
          "tx_refused",
          `tx refused (code ${response.code}, ${response.codespace}): ${response.log}`,
          response.code,
          response.codespace,
        );
      }
      account.sequence++;
      try {
        return { hash, ...(await confirmed.promise) };
      } catch (error) {
        this.#account = undefined; // unknown fate: read the sequence back next time
        throw error;
      }
    }
  }

  #waitForCommit(hash: Uint8Array): { promise: Promise<Omit<SentTx, "hash">>; cancel(): void } {
    let cancel = () => {};
    const promise = new Promise<Omit<SentTx, "hash">>((resolve, reject) => {
      const end = () => {
        clearTimeout(timer);
        unsubscribe();
        this.#waits.delete(stop);
      };
      const stop = () => {
        end();
        reject(new CommitmentTxError("tx_unconfirmed", "tx not committed in time"));
      };
      const timer = setTimeout(stop, this.#options.confirmTimeoutMs ?? TX_CONFIRM_TIMEOUT_MS);
      const unsubscribe = this.#options.subscribe((event) => {
        if (event.type !== "Tx" || !bytesEqual(sha256(event.tx), hash)) return;
        end();
        resolve({ height: event.height, result: event.result });
      });
      this.#waits.add(stop);
      cancel = end;
    });
    promise.catch(() => {});
    return { promise, cancel };
  }
}
