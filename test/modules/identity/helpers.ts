// Fixtures of the identity module tests: an app with auth + bank + device + identity on the real
// store (temp LevelDB), txs signed by cosmjs with the project's client registry, consortium
// operators in genesis, and CIDs of fixed blobs.
import type { EncodeObject } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import type { ExecutionContext } from "ava";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { ExecTxResult } from "../../../chain/app/abci.ts";
import { createRegistry, identity as pb, profileCid } from "../../../client/index.ts";
import { authModule } from "../../../modules/auth/module.ts";
import { bankModule } from "../../../modules/bank/module.ts";
import { deviceModule } from "../../../modules/device/module.ts";
import { identityModule } from "../../../modules/identity/module.ts";
import { CHAIN_ID, DENOM, fee, startApp, type TestApp, type TestAppOptions } from "../../helpers/app.ts";

export interface IdentityTestApp extends TestApp {
  run(from: string, msgs: EncodeObject[]): Promise<ExecTxResult>;
  runMany(txs: { from: string; msgs: EncodeObject[] }[]): Promise<ExecTxResult[]>;
  queryIdentity<T>(method: string, request: object, type: { decode(bytes: Uint8Array): T }): Promise<T>;
  queryError(method: string, request: object): Promise<{ code: number; codespace: string; log: string }>;
  signIdentity(from: string, msgs: EncodeObject[], sequence?: number): Promise<Uint8Array>;
}

const REQUEST_TYPES: Record<string, { encode(message: object): { finish(): Uint8Array } }> = {
  Token: pb.QueryTokenRequest,
  TokenByOwner: pb.QueryTokenByOwnerRequest,
  TokenByCid: pb.QueryTokenByCidRequest,
  Tokens: pb.QueryTokensRequest,
  Votes: pb.QueryVotesRequest,
  Params: pb.QueryParamsRequest,
};

/** Genesis with every wallet funded and `operators` (wallet indexes → power) as consortium. */
export function identityGenesis(addresses: readonly string[], operators: Record<number, number>) {
  return {
    bank: {
      params: { default_send_enabled: true },
      balances: addresses.map((address) => ({ address, coins: [{ denom: DENOM, amount: "1000000000" }] })),
      supply: [],
      denom_metadata: [],
      send_enabled: [],
      native_denom: DENOM,
    },
    identity: {
      params: {
        consortium_operators: Object.entries(operators).map(([index, power]) => ({
          address: addresses[Number(index)],
          power: String(power),
        })),
      },
    },
  };
}

export async function startIdentityApp(
  t: ExecutionContext,
  options: Omit<TestAppOptions, "modules"> & { operators?: Record<number, number> } = {},
): Promise<IdentityTestApp> {
  const { wallets } = await import("../../helpers/app.ts");
  const w = await wallets(options.walletCount ?? 6);
  const genesis = options.genesis ?? identityGenesis(w.addresses, options.operators ?? { 3: 1 });
  const a = await startApp(t, {
    walletCount: 6,
    ...options,
    genesis,
    modules: [authModule(), bankModule(), deviceModule(), identityModule()],
  });
  return startIdentityAppFrom(a);
}

/** The identity helpers over an app started with other modules. */
export async function startIdentityAppFrom(a: TestApp): Promise<IdentityTestApp> {
  const client = await SigningStargateClient.offline(a.w.wallet, { registry: createRegistry() });
  const sign = async (from: string, msgs: EncodeObject[], sequence?: number) => {
    const known = await a.accountOf(from);
    const raw = await client.sign(from, msgs, fee(10_000, 400_000), "", {
      accountNumber: BigInt(known?.accountNumber ?? 0),
      sequence: sequence ?? known?.sequence ?? 0,
      chainId: CHAIN_ID,
    });
    return TxRaw.encode(raw).finish();
  };
  const query = async (method: string, request: object) =>
    a.query(`/sensorchain.identity.v1.Query/${method}`, REQUEST_TYPES[method]!.encode(request).finish());
  return Object.assign(a, {
    signIdentity: sign,
    async run(from: string, msgs: EncodeObject[]) {
      const [result] = await a.block([await sign(from, msgs)]);
      return result!;
    },
    async runMany(txs: { from: string; msgs: EncodeObject[] }[]) {
      const sequences = new Map<string, number>();
      const signed: Uint8Array[] = [];
      for (const tx of txs) {
        const sequence = sequences.get(tx.from) ?? (await a.accountOf(tx.from))?.sequence ?? 0;
        sequences.set(tx.from, sequence + 1);
        signed.push(await sign(tx.from, tx.msgs, sequence));
      }
      return a.block(signed);
    },
    async queryIdentity<T>(method: string, request: object, type: { decode(bytes: Uint8Array): T }) {
      const response = await query(method, request);
      if (response.code !== 0) throw new Error(`query ${method} failed: ${response.log}`);
      return type.decode(response.value);
    },
    async queryError(method: string, request: object) {
      const response = await query(method, request);
      return { code: response.code, codespace: response.codespace, log: response.log };
    },
  });
}

/** The CID of a fixed fake blob (the chain never sees blob bytes, only CIDs). */
export function cidOf(label: string): Promise<string> {
  return profileCid(new TextEncoder().encode(`blob ${label}`));
}

export function registerMsg(owner: string, profileCid: string, sector = "D035"): EncodeObject {
  return { typeUrl: "/sensorchain.identity.v1.MsgRegisterCompany", value: { owner, profileCid, sector } };
}

export function updateMsg(owner: string, profileCid: string): EncodeObject {
  return { typeUrl: "/sensorchain.identity.v1.MsgUpdateProfile", value: { owner, profileCid } };
}

export function verifyMsg(operator: string, tokenId: number): EncodeObject {
  return { typeUrl: "/sensorchain.identity.v1.MsgVerifyCompany", value: { operator, tokenId } };
}

export function revokeMsg(operator: string, tokenId: number, reason = "fraudulent filing"): EncodeObject {
  return { typeUrl: "/sensorchain.identity.v1.MsgRevokeIdentity", value: { operator, tokenId, reason } };
}

export function transferMsg(owner: string, tokenId: number, recipient: string): EncodeObject {
  return { typeUrl: "/sensorchain.identity.v1.MsgTransferIdentity", value: { owner, tokenId, recipient } };
}
