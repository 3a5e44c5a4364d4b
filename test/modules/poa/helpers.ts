// Fixtures of the poa module tests: an app with auth + bank + poa on the real store (temp LevelDB),
// a genesis of N validators whose operators are the test wallets, txs signed by cosmjs with the
// project's client registry, and blocks whose FinalizeBlock response (validator updates) is returned.
import type { EncodeObject } from "@cosmjs/proto-signing";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { ExecutionContext } from "ava";
import type { ExecTxResult, FinalizeBlockResponse, Misbehavior } from "../../../chain/app/abci.ts";
import { StoreContext } from "../../../chain/app/context.ts";
import type { Context, Module } from "../../../chain/app/module.ts";
import { ed25519Address } from "../../../chain/crypto/ed25519.ts";
import { ChangeKind, poa as pb, VoteOption } from "../../../client/index.ts";
import { authModule } from "../../../modules/auth/module.ts";
import { bankModule } from "../../../modules/bank/module.ts";
import type { PoaKeeper } from "../../../modules/poa/keeper.ts";
import { poaModule } from "../../../modules/poa/module.ts";
import type { ProtoEncoder } from "../../../proto/canonical.ts";
import {
  CHAIN_ID,
  fundedBankGenesis,
  GENESIS_TIME,
  moduleSigner,
  type QueryFailure,
  serviceQueries,
  startApp,
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
  operators: string[];
  /** Signs msgs from `from` and runs them in one block. */
  run(from: string, msgs: EncodeObject[]): Promise<{ result: ExecTxResult; response: FinalizeBlockResponse }>;
  signPoa(from: string, msgs: EncodeObject[], sequence?: number): Promise<Uint8Array>;
  queryPoa<T>(method: string, request: object, type: { decode(bytes: Uint8Array): T }): Promise<T>;
  queryError(method: string, request: object): Promise<QueryFailure>;
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
  const genesis = options.appState ?? {
    bank: fundedBankGenesis(operators.map((address) => [address, "1000000000"])),
    poa: options.poaGenesis ?? {
      validators: powers.map((power, i) => validatorJson(`v${i}`, power, operators[i]!)),
    },
  };
  const base = await startApp(t, {
    walletCount: 6,
    modules,
    genesis,
    ...(options.requestValidators === undefined ? {} : { requestValidators: options.requestValidators }),
  });
  const signPoa = await moduleSigner(base);
  const queries = serviceQueries(base, "/sensorchain.poa.v1.Query", REQUEST_TYPES);
  const a: PoaTestApp = Object.assign(base, {
    keeper: modules.find((m) => m.name === "poa")!.keeper as PoaKeeper,
    operators,
    signPoa,
    async run(from: string, msgs: EncodeObject[]) {
      const response = await a.finalize([await signPoa(from, msgs)]);
      return { result: response.txResults[0]!, response };
    },
    queryPoa: queries.ask,
    queryError: queries.failure,
    context() {
      return new StoreContext(
        { height: a.height + 1n, time: GENESIS_TIME, chainId: CHAIN_ID },
        "block",
        base.store.cacheMultiStore(),
      );
    },
  });
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
