// Fixtures of the escrow and meter tests: an app with auth + bank + poa (4 validators operated by
// wallets 0-3) + device + escrow + meter on the real store (temp LevelDB), txs signed by cosmjs with
// the project's client registry, a block clock the test moves forward, a chosen proposer, and every
// module invariant checked after every block.
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { ExecutionContext } from "ava";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import type { ExecTxResult, FinalizeBlockResponse } from "../../../chain/app/abci.ts";
import { EscrowMode, escrow as pb } from "../../../client/index.ts";
import { moduleAddress } from "../../../modules/auth/keys.ts";
import { authModule } from "../../../modules/auth/module.ts";
import type { BankKeeper } from "../../../modules/bank/keeper.ts";
import { bankModule } from "../../../modules/bank/module.ts";
import { deviceModule } from "../../../modules/device/module.ts";
import { PLATFORM_POOL_MODULE } from "../../../modules/escrow/keys.ts";
import { escrowModule } from "../../../modules/escrow/module.ts";
import { meterModule } from "../../../modules/meter/module.ts";
import { poaModule } from "../../../modules/poa/module.ts";
import { encodeCanonical, type ProtoEncoder } from "../../../proto/canonical.ts";
import { assertInvariants, DENOM, GENESIS_TIME, type SixAddresses } from "../../helpers/app.ts";
import { registerMsg, shareMsg } from "../device/helpers.ts";
import { addressOf, type PoaTestApp, startPoaApp } from "../poa/helpers.ts";

export const DEVICE = "D035_0001";
export const DAY_SECONDS = 86_400n;

export interface EscrowTestApp extends PoaTestApp {
  /** Seconds added to every following block's time (GENESIS_TIME + height + offset). */
  clockOffset: bigint;
  /** Consensus address of the next blocks' proposer (default: validator v1, operated by wallet 1). */
  proposer: Uint8Array;
  /** Block time of the next block, in Unix seconds. */
  nextTime(): bigint;
  exec(from: string, msgs: EncodeObject[]): Promise<ExecTxResult>;
  balance(address: string, denom?: string): bigint;
  ask<T>(
    path: string,
    requestType: ProtoEncoder<object>,
    request: object,
    type: { decode(b: Uint8Array): T },
  ): Promise<T>;
  askFailure(
    path: string,
    requestType: ProtoEncoder<object>,
    request: object,
  ): Promise<{ code: number; codespace: string }>;
}

export async function startEscrowApp(
  t: ExecutionContext,
  options: { powers?: bigint[]; appState?: Record<string, unknown> } = {},
): Promise<EscrowTestApp> {
  const modules = [authModule(), bankModule(), poaModule(), deviceModule(), escrowModule(), meterModule()];
  const base = await startPoaApp(t, {
    modules,
    ...(options.powers === undefined ? {} : { powers: options.powers }),
    ...(options.appState === undefined ? {} : { appState: options.appState }),
  });
  const bank = modules[1]!.keeper as BankKeeper;
  const a = base as unknown as EscrowTestApp;
  a.clockOffset = 0n;
  a.proposer = addressOf("v1");
  a.nextTime = () => GENESIS_TIME.seconds + a.height + 1n + a.clockOffset;
  a.finalize = async (txs = [], misbehavior = []): Promise<FinalizeBlockResponse> => {
    const seconds = a.nextTime();
    a.height += 1n;
    const response = await a.app.finalizeBlock({
      txs,
      height: a.height,
      time: { seconds, nanos: 0 },
      proposerAddress: a.proposer,
      nextValidatorsHash: new Uint8Array(32),
      hash: new Uint8Array(32),
      decidedLastCommit: { round: 0, votes: [] },
      misbehavior,
    });
    await a.app.commit({ extraOperations: [] });
    await assertInvariants(a);
    return response;
  };
  a.exec = async (from, msgs) => (await a.run(from, msgs)).result;
  a.balance = (address, denom = DENOM) => bank.getBalance(a.context(), address, denom);
  a.ask = async (path, requestType, request, type) => {
    const response = await a.app.query({
      path,
      data: encodeCanonical(requestType, request),
      height: 0n,
      prove: false,
    });
    if (response.code !== 0) throw new Error(`${path}: ${response.log}`);
    return type.decode(response.value);
  };
  a.askFailure = async (path, requestType, request) => {
    const response = await a.app.query({
      path,
      data: encodeCanonical(requestType, request),
      height: 0n,
      prove: false,
    });
    return { code: response.code, codespace: response.codespace };
  };
  return a;
}

/** Registers and shares DEVICE (or `deviceId`) owned by `owner`. */
export async function sharedDevice(a: EscrowTestApp, owner: string, deviceId = DEVICE): Promise<void> {
  const result = await a.exec(owner, [registerMsg(owner, deviceId), shareMsg(owner, deviceId, "10")]);
  if (result.code !== 0) throw new Error(`register/share failed: ${result.log}`);
}

export function openMsg(
  consumer: string,
  fields: {
    deviceId?: string;
    authority?: string;
    mode?: number;
    deposit?: string;
    price?: string;
    denom?: string;
    priceDenom?: string;
    expiryTime: bigint;
    periodSeconds?: bigint;
  },
): EncodeObject {
  const denom = fields.denom ?? DENOM;
  return {
    typeUrl: "/sensorchain.escrow.v1.MsgOpenEscrow",
    value: {
      consumer,
      deviceId: fields.deviceId ?? DEVICE,
      releaseAuthority: fields.authority ?? consumer,
      mode: fields.mode ?? EscrowMode.ESCROW_MODE_MANUAL,
      deposit: { denom, amount: fields.deposit ?? "1000" },
      price: { denom: fields.priceDenom ?? denom, amount: fields.price ?? "0" },
      periodSeconds: fields.periodSeconds ?? 0n,
      expiryTime: fields.expiryTime,
    },
  };
}

export const escrowMsg = (verb: string, value: object): EncodeObject => ({
  typeUrl: `/sensorchain.escrow.v1.Msg${verb}`,
  value,
});

export const coin = (amount: bigint | number | string, denom = DENOM) => ({ denom, amount: String(amount) });

/** The escrow id in a successful MsgOpenEscrow's tx result (first message). */
export function openedId(result: ExecTxResult): bigint {
  if (result.code !== 0) throw new Error(`open failed: ${result.log}`);
  const data = TxMsgData.decode(result.data);
  return BigInt(pb.MsgOpenEscrowResponse.decode(data.msgResponses[0]!.value).escrowId.toString());
}

/** Every keeper test tx pays this fee. */
export const FEE = 10_000n;
export const ESCROW_ACCOUNT = moduleAddress("escrow");
export const POOL = moduleAddress(PLATFORM_POOL_MODULE);

/** What the Earnings query answers for an address: its withdrawable coins. */
export async function earningsOf(a: EscrowTestApp, address: string) {
  const earnings = await a.ask(
    "/sensorchain.escrow.v1.Query/Earnings",
    pb.QueryEarningsRequest,
    { address },
    pb.QueryEarningsResponse,
  );
  return earnings.amount;
}

/** An escrow app and its wallet roles: 0-3 operate validators v0-v3 (v1 proposes), 4 owns the
 * shared device, 5 consumes. */
export async function escrowRoles(t: ExecutionContext) {
  const a = await startEscrowApp(t);
  const [o0, gateway, authority, stranger, owner, consumer] = a.operators as SixAddresses;
  await sharedDevice(a, owner);
  return { a, o0, gateway, authority, stranger, owner, consumer };
}

/** An expiry `days` after the next block's time. */
export const expiry = (a: EscrowTestApp, days = 30n) => a.nextTime() + days * DAY_SECONDS;

/** Opens an escrow (30 days unless `fields` say otherwise) and returns its id. */
export async function openEscrow(
  a: EscrowTestApp,
  consumer: string,
  fields: Partial<Parameters<typeof openMsg>[1]> = {},
) {
  return openedId(await a.exec(consumer, [openMsg(consumer, { expiryTime: expiry(a), ...fields })]));
}
