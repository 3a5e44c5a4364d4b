// app_state.escrow: sensorchain.escrow.v1.GenesisState in proto3 JSON with snake_case names (enums
// by name, 64-bit integers as strings). Import checks every record and rebuilds the indexes; export
// lists escrows in id order and earnings in key order. The escrow module account's balance belongs
// to bank's genesis; the module-balance invariant checks that it matches.
import type { Context } from "../../chain/app/module.ts";
import { encodeAddress } from "../../chain/crypto/bech32.ts";
import { moduleAddress } from "../auth/keys.ts";
import { genesisChecks, type Json, messageToGenesisJson } from "../genesis-json.ts";
import { toBigInt } from "../proto-values.ts";
import {
  DEFAULT_PARAMS,
  type Escrow,
  type EscrowParams,
  escrowFromProto,
  escrowToProto,
  paramsToProto,
  pb,
} from "./codec.ts";
import type { EscrowKeeper } from "./keeper.ts";
import { checkAddress, checkCoin, checkCommandTerms, checkDeviceId, checkParams } from "./validation.ts";

/** Module whose account is the default authority: the poa module executes consortium decisions. */
export const DEFAULT_AUTHORITY_MODULE = "poa";

export interface EscrowGenesis {
  params: EscrowParams;
  authority: string;
  nextEscrowId: bigint;
  escrows: Escrow[];
  earnings: { address: string; denom: string; amount: bigint }[];
}

export function defaultEscrowGenesis(): Json {
  return {
    params: { owner_bps: 8000, gateway_bps: 1000, platform_bps: 1000 },
    authority: moduleAddress(DEFAULT_AUTHORITY_MODULE),
    next_escrow_id: "1",
    escrows: [],
    earnings: [],
  };
}

const { fail, at, decode } = genesisChecks("escrow");

function parseEscrow(message: InstanceType<typeof pb.Escrow>, field: string): Escrow {
  const escrow = at(field, () => escrowFromProto(message));
  if (escrow.id === 0n) fail(`${field}: id 0`);
  at(`${field}.consumer`, () => checkAddress(escrow.consumer, "consumer"));
  at(`${field}.release_authority`, () => checkAddress(escrow.releaseAuthority, "release_authority"));
  at(`${field}.device_id`, () => checkDeviceId(escrow.deviceId));
  at(`${field}.denom`, () => checkCoin({ denom: escrow.denom, amount: "0" }, "denom", false));
  if (message.price?.denom && message.price.denom !== escrow.denom)
    fail(`${field}: price denom differs from denom`);
  if (escrow.command !== undefined) {
    at(`${field}.command`, () => checkCommandTerms(message.command));
    if (escrow.mode !== "manual") fail(`${field}.command: command terms need a MANUAL escrow`);
  }
  if (escrow.status === "refunded" && escrow.remaining !== 0n)
    fail(`${field}: refunded escrow with remaining`);
  if (escrow.status !== "refunded" && escrow.deposited - escrow.released !== escrow.remaining)
    fail(`${field}: deposited - released != remaining`);
  return escrow;
}

export function parseEscrowGenesis(value: unknown): EscrowGenesis {
  const json = value as Json;
  const message = decode(value, pb.GenesisState);
  const params =
    json.params === undefined ? { ...DEFAULT_PARAMS } : at("params", () => checkParams(message.params));
  const authority =
    json.authority === undefined || json.authority === ""
      ? moduleAddress(DEFAULT_AUTHORITY_MODULE)
      : at("authority", () => checkAddress(message.authority, "authority"));
  const escrows: Escrow[] = [];
  let maxId = 0n;
  for (const [index, item] of message.escrows.entries()) {
    const escrow = parseEscrow(item as InstanceType<typeof pb.Escrow>, `escrows[${index}]`);
    if (escrow.id <= maxId) fail(`escrows[${index}]: ids must be unique and ascending`);
    maxId = escrow.id;
    escrows.push(escrow);
  }
  const nextEscrowId = json.next_escrow_id === undefined ? maxId + 1n : toBigInt(message.nextEscrowId);
  if (nextEscrowId <= maxId || nextEscrowId === 0n)
    fail(`next_escrow_id ${nextEscrowId} is not above every escrow id`);
  const seen = new Set<string>();
  const earnings = message.earnings.map((item, index) => {
    const address = at(`earnings[${index}].address`, () => checkAddress(item.address, "address"));
    const coin = at(`earnings[${index}]`, () =>
      checkCoin({ denom: item.denom, amount: item.amount }, "amount", true),
    );
    const key = `${address}/${coin.denom}`;
    if (seen.has(key)) fail(`earnings[${index}]: duplicate ${key}`);
    seen.add(key);
    return { address, denom: coin.denom, amount: coin.amount };
  });
  return { params, authority, nextEscrowId, escrows, earnings };
}

export function initEscrowGenesis(ctx: Context, keeper: EscrowKeeper, genesis: EscrowGenesis): void {
  keeper.setParams(ctx, genesis.params);
  keeper.setAuthority(ctx, genesis.authority);
  keeper.setNextId(ctx, genesis.nextEscrowId);
  for (const escrow of genesis.escrows) keeper.importEscrow(ctx, escrow);
  for (const entry of genesis.earnings) keeper.setEarnings(ctx, entry.address, entry.denom, entry.amount);
}

export async function exportEscrowGenesis(ctx: Context, keeper: EscrowKeeper): Promise<Json> {
  const escrows: unknown[] = [];
  for await (const escrow of keeper.iterateEscrows(ctx))
    escrows.push(
      messageToGenesisJson(pb.Escrow, escrowToProto(escrow), { longs: String, enums: String, bytes: String }),
    );
  const earnings: Json[] = [];
  for await (const entry of keeper.iterateEarnings(ctx))
    earnings.push({
      address: encodeAddress(entry.address),
      denom: entry.denom,
      amount: entry.amount.toString(),
    });
  const params = paramsToProto(keeper.params(ctx));
  return {
    params: { owner_bps: params.ownerBps, gateway_bps: params.gatewayBps, platform_bps: params.platformBps },
    authority: keeper.authority(ctx) ?? moduleAddress(DEFAULT_AUTHORITY_MODULE),
    next_escrow_id: keeper.nextId(ctx).toString(),
    escrows,
    earnings,
  };
}
