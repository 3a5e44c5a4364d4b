// Registers the simulator's devices on chain with real txs: many MsgRegisterDevice per tx, signed by
// the payer (who becomes the owner), the batches signed with consecutive sequences and broadcast
// together (broadcast_tx_sync, in order), then awaited by hash. Devices the owner has already
// (DevicesByOwner) are skipped, so a rerun with the same keys file registers nothing.
import type { OfflineDirectSigner } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { createRegistry, device as devicePb, KeyType, MSG_REGISTER_DEVICE } from "../../client/index.ts";
import { toLong } from "../../proto/canonical.ts";
import type { SimulatedDevice } from "./keys-file.ts";

/** Registrations per tx: ~170 bytes each, far below max_tx_bytes (1 MB); large enough that 10,000
 * devices take 50 txs, small enough that one failed tx costs little. */
export const MAX_REGISTRATIONS_PER_TX = 200;
/** Page size of the DevicesByOwner query (the node's maximum). */
const OWNER_PAGE_LIMIT = 1000;
/** Simulated gas is multiplied by this (the store grows between simulation and execution). */
const GAS_ADJUSTMENT = 1.5;
/** How often inclusion is polled, and how long a tx may take to be included. */
const INCLUSION_POLL_MS = 300;
const INCLUSION_TIMEOUT_MS = 120_000;

export class RegistrationError extends Error {
  readonly code: "tx_rejected" | "tx_failed" | "tx_timeout" | "query_failed";
  constructor(code: RegistrationError["code"], message: string) {
    super(message);
    this.name = "RegistrationError";
    this.code = code;
  }
}

/** The whole JSON-RPC answer: `result`, or `error` (which a poll may expect, e.g. tx not found yet). */
// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC answer, read field by field by the caller
async function rpcAnswer(url: string, method: string, params: Record<string, unknown>): Promise<any> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return response.json();
}

// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC results, read field by field by the caller
async function rpc(url: string, method: string, params: Record<string, unknown>): Promise<any> {
  const body = await rpcAnswer(url, method, params);
  if (body.error !== undefined)
    throw new RegistrationError("query_failed", `${method}: ${body.error.message} ${body.error.data ?? ""}`);
  return body.result;
}

/** Ids of every device `owner` has on chain. */
export async function devicesOfOwner(rpcUrl: string, owner: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let key: Uint8Array = new Uint8Array(0);
  for (;;) {
    const request = devicePb.QueryDevicesByOwnerRequest.encode({
      owner,
      pagination: { key, limit: toLong(BigInt(OWNER_PAGE_LIMIT)) },
    }).finish();
    const result = await rpc(rpcUrl, "abci_query", {
      path: "/sensorchain.device.v1.Query/DevicesByOwner",
      data: Buffer.from(request).toString("hex"),
    });
    const answer = result.response;
    if (Number(answer.code ?? 0) !== 0)
      throw new RegistrationError("query_failed", `DevicesByOwner: code ${answer.code} ${answer.log ?? ""}`);
    const page = devicePb.QueryDevicesByOwnerResponse.decode(Buffer.from(answer.value ?? "", "base64"));
    for (const found of page.devices) ids.add(found.id ?? "");
    const next = page.pagination?.nextKey;
    if (next === undefined || next === null || next.length === 0) return ids;
    key = next;
  }
}

export interface RegistrationResult {
  /** Devices registered by this run, and those the owner had already. */
  registered: number;
  alreadyRegistered: number;
  txs: number;
  seconds: number;
}

export async function registerDevices(options: {
  rpcUrl: string;
  signer: OfflineDirectSigner;
  owner: string;
  gasPrice: string;
  devices: readonly SimulatedDevice[];
  log: (line: string) => void;
}): Promise<RegistrationResult> {
  const started = performance.now();
  const owned = await devicesOfOwner(options.rpcUrl, options.owner);
  const todo = options.devices.filter((d) => !owned.has(d.id));
  const alreadyRegistered = options.devices.length - todo.length;
  if (todo.length === 0) return { registered: 0, alreadyRegistered, txs: 0, seconds: 0 };
  const client = await SigningStargateClient.connectWithSigner(options.rpcUrl, options.signer, {
    registry: createRegistry(),
    gasPrice: GasPrice.fromString(options.gasPrice),
  });
  try {
    const batches: SimulatedDevice[][] = [];
    for (let i = 0; i < todo.length; i += MAX_REGISTRATIONS_PER_TX)
      batches.push(todo.slice(i, i + MAX_REGISTRATIONS_PER_TX));
    const messages = (batch: readonly SimulatedDevice[]) =>
      batch.map((d) => ({
        typeUrl: MSG_REGISTER_DEVICE,
        value: {
          owner: options.owner,
          deviceId: d.id,
          publicKey: { type: KeyType.KEY_TYPE_ED25519, key: d.signer.publicKey },
          metadata: { model: "sensorchain-simulator", unit: "W", locationHint: "" },
        },
      }));
    // Batches of one size cost the same gas: simulate the first full one and the short last one,
    // before anything is broadcast (simulation reads the account's current sequence).
    const gasFor = new Map<number, number>();
    for (const batch of [batches[0]!, batches.at(-1)!])
      if (!gasFor.has(batch.length))
        gasFor.set(
          batch.length,
          Math.ceil((await client.simulate(options.owner, messages(batch), "")) * GAS_ADJUSTMENT),
        );
    const { accountNumber, sequence } = await client.getSequence(options.owner);
    const chainId = await client.getChainId();
    const price = GasPrice.fromString(options.gasPrice);
    const hashes: string[] = [];
    for (const [index, batch] of batches.entries()) {
      const gas = gasFor.get(batch.length)!;
      const fee = {
        amount: [
          {
            denom: price.denom,
            amount: String(Math.ceil(gas * Number(price.amount.toFloatApproximation()))),
          },
        ],
        gas: String(gas),
      };
      const signed = await client.sign(options.owner, messages(batch), fee, "", {
        accountNumber,
        sequence: sequence + index,
        chainId,
      });
      const bytes = TxRaw.encode(signed).finish();
      const result = await rpc(options.rpcUrl, "broadcast_tx_sync", {
        tx: Buffer.from(bytes).toString("base64"),
      });
      if (Number(result.code) !== 0)
        throw new RegistrationError(
          "tx_rejected",
          `registration tx ${index + 1}/${batches.length} refused by checkTx: code ${result.code} ${result.log}`,
        );
      hashes.push(result.hash);
    }
    options.log(
      `registering ${todo.length} devices in ${batches.length} txs (${alreadyRegistered} already registered)`,
    );
    for (const [index, hash] of hashes.entries()) await waitForTx(options.rpcUrl, hash, index, hashes.length);
    return {
      registered: todo.length,
      alreadyRegistered,
      txs: batches.length,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    client.disconnect();
  }
}

async function waitForTx(rpcUrl: string, hash: string, index: number, total: number): Promise<void> {
  const deadline = Date.now() + INCLUSION_TIMEOUT_MS;
  for (;;) {
    const body = await rpcAnswer(rpcUrl, "tx", { hash: Buffer.from(hash, "hex").toString("base64") });
    if (body.result !== undefined) {
      const code = Number(body.result.tx_result?.code ?? 0);
      if (code !== 0)
        throw new RegistrationError(
          "tx_failed",
          `registration tx ${index + 1}/${total} (${hash}) failed in block ${body.result.height}: code ${code} ${body.result.tx_result?.log ?? ""}`,
        );
      return;
    }
    if (Date.now() > deadline)
      throw new RegistrationError(
        "tx_timeout",
        `registration tx ${hash} not included after ${INCLUSION_TIMEOUT_MS} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, INCLUSION_POLL_MS));
  }
}
