// Fixtures of the identity module tests: an app with auth + bank + device + identity on the real
// store (temp LevelDB), txs signed by cosmjs with the project's client registry, consortium
// operators in genesis, and CIDs of fixed blobs.
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { ExecutionContext } from "ava";
import { identity as pb, profileCid } from "../../../client/index.ts";
import { authModule } from "../../../modules/auth/module.ts";
import { bankModule } from "../../../modules/bank/module.ts";
import { deviceModule } from "../../../modules/device/module.ts";
import { identityModule } from "../../../modules/identity/module.ts";
import type { ProtoEncoder } from "../../../proto/canonical.ts";
import {
  fundedBankGenesis,
  type ModuleTxRunner,
  moduleTxRunner,
  startApp,
  type TestApp,
  type TestAppOptions,
  wallets,
} from "../../helpers/app.ts";

export interface IdentityTestApp extends TestApp, ModuleTxRunner {
  queryIdentity<T>(method: string, request: object, type: { decode(bytes: Uint8Array): T }): Promise<T>;
  signIdentity(from: string, msgs: EncodeObject[], sequence?: number): Promise<Uint8Array>;
}

const REQUEST_TYPES: Record<string, ProtoEncoder<object>> = {
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
    bank: fundedBankGenesis(addresses.map((address) => [address, "1000000000"])),
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
  const { sign, ask, run, runMany, queryError } = await moduleTxRunner(
    a,
    "/sensorchain.identity.v1.Query",
    REQUEST_TYPES,
  );
  return Object.assign(a, { signIdentity: sign, queryIdentity: ask, run, runMany, queryError });
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
