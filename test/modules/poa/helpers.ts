// Fixtures of the poa module tests: an app with auth + bank + poa on the real store (temp LevelDB),
// a genesis of N validators whose operators are the test wallets, txs signed by cosmjs with the
// project's client registry, and blocks whose FinalizeBlock response (validator updates) is returned.
import type { EncodeObject } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { ExecutionContext } from "ava";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type {
  ExecTxResult,
  FinalizeBlockResponse,
  InitChainResponse,
  Misbehavior,
} from "../../../chain/app/abci.ts";
import { BaseApplication } from "../../../chain/app/application.ts";
import { StoreContext } from "../../../chain/app/context.ts";
import type { Context, Module } from "../../../chain/app/module.ts";
import { ed25519Address } from "../../../chain/crypto/ed25519.ts";
import { ChangeKind, createRegistry, poa as pb, VoteOption } from "../../../client/index.ts";
import { authModule } from "../../../modules/auth/module.ts";
import { bankModule } from "../../../modules/bank/module.ts";
import type { PoaKeeper } from "../../../modules/poa/keeper.ts";
import { poaModule } from "../../../modules/poa/module.ts";
import { encodeCanonical, type ProtoEncoder } from "../../../proto/canonical.ts";
import {
  CHAIN_ID,
  DENOM,
  fee,
  GENESIS_TIME,
  openTestStore,
  type TestApp,
  wallets,
} from "../../helpers/app.ts";

/** A fixed ed25519 consensus key per label. */
export function consensusKey(label: string): Uint8Array {
  const seed = new Uint8Array(32);
  seed.set(new TextEncoder().encode(label).subarray(0, 31));
  seed[31] = 7;
  return ed25519.getPublicKey(seed);
}

export const addressOf = (label: string) => ed25519Address(consensusKey(label));

export function validatorJson(
  label: string,
  power: bigint,
  operator: string,
  extra: Record<string, unknown> = {},
) {
  return {
    pub_key: Buffer.from(consensusKey(label)).toString("base64"),
    power: power.toString(),
    operator,
    moniker: label,
    node_id: `12D3KooW${label}`,
    ...extra,
  };
}

export interface PoaTestApp extends TestApp {
  keeper: PoaKeeper;
  init: InitChainResponse;
  operators: string[];
  /** finalizeBlock + commit at the next height; the whole response. */
  finalize(txs?: Uint8Array[], misbehavior?: Misbehavior[]): Promise<FinalizeBlockResponse>;
  /** Signs msgs from `from` and runs them in one block. */
  run(from: string, msgs: EncodeObject[]): Promise<{ result: ExecTxResult; response: FinalizeBlockResponse }>;
  signPoa(from: string, msgs: EncodeObject[], sequence?: number): Promise<Uint8Array>;
  queryPoa<T>(method: string, request: object, type: { decode(bytes: Uint8Array): T }): Promise<T>;
  queryError(method: string, request: object): Promise<{ code: number; codespace: string; log: string }>;
  /** A context over the latest committed state (a throw-away cache). */
  context(): Context;
}

const REQUEST_TYPES: Record<string, ProtoEncoder<object>> = {
  Validators: pb.QueryValidatorsRequest,
  Validator: pb.QueryValidatorRequest,
  Proposals: pb.QueryProposalsRequest,
  Proposal: pb.QueryProposalRequest,
  Votes: pb.QueryVotesRequest,
  Evidence: pb.QueryEvidenceRequest,
};

export interface PoaAppOptions {
  /** Power of validator i, operated by wallet address i (labels v0, v1, …). */
  powers?: bigint[];
  /** app_state.poa to use instead of the one built from powers. */
  poaGenesis?: Record<string, unknown>;
  /** CometBFT genesis validators handed to InitChain (default: none, as CometBFT may send). */
  requestValidators?: { pubKey: Uint8Array; power: bigint }[];
  modules?: Module[];
  /** The whole app_state (e.g. an export) instead of the built one. */
  appState?: Record<string, unknown>;
}

export async function startPoaApp(t: ExecutionContext, options: PoaAppOptions = {}): Promise<PoaTestApp> {
  const w = await wallets(6);
  const powers = options.powers ?? [10n, 10n, 10n, 10n];
  const operators = w.addresses;
  const modules = options.modules ?? [authModule(), bankModule(), poaModule()];
  const store = await openTestStore(t, BaseApplication.storeNames(modules));
  const app = new BaseApplication({ store, modules, chainId: CHAIN_ID, minGasPrices: "0.025usensor" });
  const genesis = options.appState ?? {
    bank: {
      params: { default_send_enabled: true },
      balances: operators.map((address) => ({ address, coins: [{ denom: DENOM, amount: "1000000000" }] })),
      supply: [],
      denom_metadata: [],
      send_enabled: [],
      native_denom: DENOM,
    },
    poa: options.poaGenesis ?? {
      validators: powers.map((power, i) => validatorJson(`v${i}`, power, operators[i]!)),
    },
  };
  const init = await app.initChain({
    time: GENESIS_TIME,
    chainId: CHAIN_ID,
    consensusParams: {
      block: { maxBytes: 4_194_304n, maxGas: -1n },
      evidence: { maxAgeNumBlocks: 100_000n, maxAgeDurationNs: 172_800_000_000_000n, maxBytes: 1_048_576n },
      validator: { pubKeyTypes: ["ed25519"] },
      version: { app: 1n },
    },
    validators: options.requestValidators ?? [],
    appStateBytes: new TextEncoder().encode(JSON.stringify(genesis)),
    initialHeight: 1n,
  });
  const keeper = modules.find((m) => m.name === "poa")!.keeper as PoaKeeper;
  const client = await SigningStargateClient.offline(w.wallet, { registry: createRegistry() });
  const a: PoaTestApp = {
    app,
    store,
    modules,
    w,
    height: 0n,
    keeper,
    init,
    operators,
    sign: () => {
      throw new Error("use signPoa");
    },
    block: async (txs) => (await a.finalize(txs)).txResults,
    async accountOf(address) {
      const { QueryAccountRequest, QueryAccountResponse } = await import(
        "cosmjs-types/cosmos/auth/v1beta1/query"
      );
      const { BaseAccount } = await import("cosmjs-types/cosmos/auth/v1beta1/auth");
      const response = await app.query({
        path: "/cosmos.auth.v1beta1.Query/Account",
        data: QueryAccountRequest.encode({ address }).finish(),
        height: 0n,
        prove: false,
      });
      if (response.code !== 0) return undefined;
      const account = BaseAccount.decode(QueryAccountResponse.decode(response.value).account!.value);
      return { accountNumber: Number(account.accountNumber), sequence: Number(account.sequence) };
    },
    async signPoa(from, msgs, sequence) {
      const known = await a.accountOf(from);
      const raw = await client.sign(from, msgs, fee(10_000, 400_000), "", {
        accountNumber: BigInt(known?.accountNumber ?? 0),
        sequence: sequence ?? known?.sequence ?? 0,
        chainId: CHAIN_ID,
      });
      return TxRaw.encode(raw).finish();
    },
    async finalize(txs = [], misbehavior = []) {
      a.height += 1n;
      const response = await app.finalizeBlock({
        txs,
        height: a.height,
        time: { seconds: GENESIS_TIME.seconds + a.height, nanos: 0 },
        proposerAddress: new Uint8Array(20),
        nextValidatorsHash: new Uint8Array(32),
        hash: new Uint8Array(32),
        decidedLastCommit: { round: 0, votes: [] },
        misbehavior,
      });
      await app.commit({ extraOperations: [] });
      return response;
    },
    async run(from, msgs) {
      const response = await a.finalize([await a.signPoa(from, msgs)]);
      return { result: response.txResults[0]!, response };
    },
    query(path, data, height = 0n, prove = false) {
      return app.query({ path, data, height, prove });
    },
    async queryPoa<T>(method: string, request: object, type: { decode(bytes: Uint8Array): T }) {
      const response = await a.query(
        `/sensorchain.poa.v1.Query/${method}`,
        encodeCanonical(REQUEST_TYPES[method]!, request),
      );
      if (response.code !== 0) throw new Error(`query ${method} failed: ${response.log}`);
      return type.decode(response.value);
    },
    async queryError(method: string, request: object) {
      const response = await a.query(
        `/sensorchain.poa.v1.Query/${method}`,
        encodeCanonical(REQUEST_TYPES[method]!, request),
      );
      return { code: response.code, codespace: response.codespace, log: response.log };
    },
    context() {
      return new StoreContext(
        { height: a.height + 1n, time: GENESIS_TIME, chainId: CHAIN_ID },
        "block",
        store.cacheMultiStore(),
      );
    },
  };
  return a;
}

export function proposeMsg(
  proposer: string,
  kind: "add" | "remove" | "reweight",
  label: string,
  fields: {
    power?: bigint;
    operator?: string;
    moniker?: string;
    nodeId?: string;
    expiryBlocks?: bigint;
  } = {},
): EncodeObject {
  const kinds = {
    add: ChangeKind.CHANGE_KIND_ADD,
    remove: ChangeKind.CHANGE_KIND_REMOVE,
    reweight: ChangeKind.CHANGE_KIND_REWEIGHT,
  };
  return {
    typeUrl: "/sensorchain.poa.v1.MsgProposeValidatorChange",
    value: {
      proposer,
      kind: kinds[kind],
      pubKey: consensusKey(label),
      power: fields.power ?? (kind === "remove" ? 0n : 10n),
      operator: fields.operator ?? "",
      moniker: fields.moniker ?? (kind === "add" ? label : ""),
      nodeId: fields.nodeId ?? (kind === "add" ? `12D3KooW${label}` : ""),
      expiryBlocks: fields.expiryBlocks ?? 100n,
    },
  };
}

export function voteMsg(operator: string, proposalId: bigint, yes = true): EncodeObject {
  return {
    typeUrl: "/sensorchain.poa.v1.MsgVoteValidatorChange",
    value: { operator, proposalId, option: yes ? VoteOption.VOTE_OPTION_YES : VoteOption.VOTE_OPTION_NO },
  };
}

export function duplicateVote(label: string, height: bigint, power = 10n, total = 40n): Misbehavior {
  return {
    type: "duplicate_vote",
    validatorAddress: addressOf(label),
    validatorPower: power,
    height,
    time: { seconds: GENESIS_TIME.seconds + height, nanos: 0 },
    totalVotingPower: total,
  };
}
