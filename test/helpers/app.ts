// Fixtures of the application tests: the real store on a temp LevelDB, an app with auth + bank,
// cosmjs wallets (DirectSecp256k1HdWallet, prefix "sensor") signing exactly as cosmjs clients do.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EncodeObject } from "@cosmjs/proto-signing";
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/proto-signing";
import { SigningStargateClient, type StdFee } from "@cosmjs/stargate";
import type { ExecutionContext } from "ava";
import { ClassicLevel } from "classic-level";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type {
  Event,
  ExecTxResult,
  FinalizeBlockResponse,
  InitChainResponse,
  Misbehavior,
  QueryResponse,
} from "../../chain/app/abci.ts";
import { BaseApplication } from "../../chain/app/application.ts";
import type { Module } from "../../chain/app/module.ts";
import type { CommitMultiStore } from "../../chain/store/commit-types.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import { createRegistry } from "../../client/index.ts";
import { authModule } from "../../modules/auth/module.ts";
import { bankModule } from "../../modules/bank/module.ts";
import { encodeCanonical, type ProtoEncoder } from "../../proto/canonical.ts";

export const CHAIN_ID = "sensorchain-test-1";
/** BIP-39 test vector mnemonic: fixed keys so failures replay. */
export const MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
export const DENOM = "usensor";
export const GENESIS_TIME = { seconds: 1_700_000_000n, nanos: 0 };

export async function openTestStore(
  t: ExecutionContext,
  storeNames: readonly string[],
): Promise<CommitMultiStore> {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-app-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
  await db.open();
  t.teardown(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  return openCommitMultiStore({ db, storeNames, syncWrites: false });
}

/** The addresses of `wallets(6)`, the module fixtures' operators and roles, for destructuring. */
export type SixAddresses = [string, string, string, string, string, string];

export interface Wallets {
  wallet: DirectSecp256k1HdWallet;
  addresses: string[];
  client: SigningStargateClient;
}

const walletCache = new Map<number, Promise<Wallets>>();

export function wallets(count = 4): Promise<Wallets> {
  let cached = walletCache.get(count);
  if (cached === undefined) {
    cached = (async () => {
      const hdPaths = Array.from({ length: count }, (_, i) => makeCosmoshubPath(i));
      const wallet = await DirectSecp256k1HdWallet.fromMnemonic(MNEMONIC, { prefix: "sensor", hdPaths });
      const addresses = (await wallet.getAccounts()).map((account) => account.address);
      const client = await SigningStargateClient.offline(wallet);
      return { wallet, addresses, client };
    })();
    walletCache.set(count, cached);
  }
  return cached;
}

export function fee(amount: bigint | number, gas: bigint | number = 200_000): StdFee {
  return { amount: [{ denom: DENOM, amount: String(amount) }], gas: String(gas) };
}

export function sendMsg(from: string, to: string, amount: bigint | number, denom = DENOM): EncodeObject {
  return {
    typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    value: { fromAddress: from, toAddress: to, amount: [{ denom, amount: String(amount) }] },
  };
}

/** The consensus params every test chain starts with (CometBFT's defaults but unlimited block gas). */
const TEST_CONSENSUS_PARAMS = {
  block: { maxBytes: 4_194_304n, maxGas: -1n },
  evidence: { maxAgeNumBlocks: 100_000n, maxAgeDurationNs: 172_800_000_000_000n, maxBytes: 1_048_576n },
  validator: { pubKeyTypes: ["ed25519"] },
  version: { app: 1n },
};

/** app_state.bank funding each address with `amount` usensor. */
export function fundedBankGenesis(balances: readonly (readonly [string, bigint | number | string])[]) {
  return {
    params: { default_send_enabled: true },
    balances: balances.map(([address, amount]) => ({
      address,
      coins: [{ denom: DENOM, amount: amount.toString() }],
    })),
    supply: [],
    denom_metadata: [],
    send_enabled: [],
    native_denom: DENOM,
  };
}

export interface TestApp {
  app: BaseApplication;
  store: CommitMultiStore;
  modules: Module[];
  w: Wallets;
  height: bigint;
  /** What InitChain answered. */
  init: InitChainResponse;
  sign(
    from: string,
    msgs: EncodeObject[],
    options?: {
      fee?: StdFee;
      memo?: string;
      sequence?: number;
      accountNumber?: number;
      chainId?: string;
      timeoutHeight?: bigint;
    },
  ): Promise<Uint8Array>;
  /** finalizeBlock + commit at the next height (time GENESIS_TIME + height, no proposer); the whole
   * response. Fixtures may replace it (another clock, invariant checks): `block` goes through it. */
  finalize(txs?: Uint8Array[], misbehavior?: Misbehavior[]): Promise<FinalizeBlockResponse>;
  /** finalize's tx results. */
  block(txs: Uint8Array[]): Promise<ExecTxResult[]>;
  query(path: string, data: Uint8Array, height?: bigint, prove?: boolean): Promise<QueryResponse>;
  accountOf(address: string): Promise<{ accountNumber: number; sequence: number } | undefined>;
}

export interface TestAppOptions {
  balances?: Record<string, bigint>;
  minGasPrices?: string;
  maxTxBytes?: number;
  walletCount?: number;
  store?: CommitMultiStore;
  genesis?: Record<string, unknown>;
  /** Modules of the app (default auth + bank). */
  modules?: Module[];
  /** CometBFT genesis validators handed to InitChain (default: none, as CometBFT may send). */
  requestValidators?: { pubKey: Uint8Array; power: bigint }[];
}

export async function startApp(t: ExecutionContext, options: TestAppOptions = {}): Promise<TestApp> {
  const w = await wallets(options.walletCount ?? 4);
  const modules: Module[] = options.modules ?? [authModule(), bankModule()];
  const store = options.store ?? (await openTestStore(t, BaseApplication.storeNames(modules)));
  const app = new BaseApplication({
    store,
    modules,
    chainId: CHAIN_ID,
    minGasPrices: options.minGasPrices ?? "0.025usensor",
    ...(options.maxTxBytes === undefined ? {} : { maxTxBytes: options.maxTxBytes }),
  });
  const balances = options.balances ?? {
    [w.addresses[0]!]: 1_000_000_000n,
    [w.addresses[1]!]: 1_000_000_000n,
  };
  const genesis = options.genesis ?? { bank: fundedBankGenesis(Object.entries(balances)) };
  const init = await app.initChain({
    time: GENESIS_TIME,
    chainId: CHAIN_ID,
    consensusParams: TEST_CONSENSUS_PARAMS,
    validators: options.requestValidators ?? [],
    appStateBytes: new TextEncoder().encode(JSON.stringify(genesis)),
    initialHeight: 1n,
  });
  const test: TestApp = {
    app,
    store,
    modules,
    w,
    height: 0n,
    init,
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
    async sign(from, msgs, signOptions = {}) {
      const known = await test.accountOf(from);
      const signerData = {
        accountNumber: BigInt(signOptions.accountNumber ?? known?.accountNumber ?? 0),
        sequence: signOptions.sequence ?? known?.sequence ?? 0,
        chainId: signOptions.chainId ?? CHAIN_ID,
      };
      const raw = await w.client.sign(
        from,
        msgs,
        signOptions.fee ?? fee(5000),
        signOptions.memo ?? "",
        signerData,
        signOptions.timeoutHeight,
      );
      return TxRaw.encode(raw).finish();
    },
    async finalize(txs = [], misbehavior = []) {
      test.height += 1n;
      const response = await app.finalizeBlock({
        txs,
        height: test.height,
        time: { seconds: GENESIS_TIME.seconds + test.height, nanos: 0 },
        proposerAddress: new Uint8Array(20),
        nextValidatorsHash: new Uint8Array(32),
        hash: new Uint8Array(32),
        decidedLastCommit: { round: 0, votes: [] },
        misbehavior,
      });
      await app.commit({ extraOperations: [] });
      return response;
    },
    async block(txs) {
      return (await test.finalize(txs)).txResults;
    },
    query(path, data, height = 0n, prove = false) {
      return app.query({ path, data, height, prove });
    },
  };
  return test;
}

/** Throws naming every module invariant broken after the last block (fixtures that check them after
 * each block call it from their finalize). */
export async function assertInvariants(a: TestApp): Promise<void> {
  const broken = await a.app.checkInvariants();
  if (broken.length > 0) throw new Error(`invariants broken after block ${a.height}: ${broken.join("; ")}`);
}

/** Attributes of the events of one type, as plain objects, in order. */
export function eventsOf(events: readonly Event[], type: string): Record<string, string>[] {
  return events
    .filter((event) => event.type === type)
    .map((event) => Object.fromEntries(event.attributes.map((a) => [a.key, a.value])));
}

/** Signs txs of the project's modules (the client registry) from `from` at its next sequence (or
 * `sequence`), with the module tests' fee of 10,000 usensor for 400,000 gas. */
export type ModuleSigner = (from: string, msgs: EncodeObject[], sequence?: number) => Promise<Uint8Array>;

export async function moduleSigner(a: TestApp): Promise<ModuleSigner> {
  const client = await SigningStargateClient.offline(a.w.wallet, { registry: createRegistry() });
  return async (from, msgs, sequence) => {
    const known = await a.accountOf(from);
    const raw = await client.sign(from, msgs, fee(10_000, 400_000), "", {
      accountNumber: BigInt(known?.accountNumber ?? 0),
      sequence: sequence ?? known?.sequence ?? 0,
      chainId: CHAIN_ID,
    });
    return TxRaw.encode(raw).finish();
  };
}

/** Several txs (each one signer's msgs, signed at consecutive sequences) in one block. */
async function runInOneBlock(
  a: TestApp,
  sign: ModuleSigner,
  txs: { from: string; msgs: EncodeObject[] }[],
): Promise<ExecTxResult[]> {
  const sequences = new Map<string, number>();
  const signed: Uint8Array[] = [];
  for (const tx of txs) {
    const sequence = sequences.get(tx.from) ?? (await a.accountOf(tx.from))?.sequence ?? 0;
    sequences.set(tx.from, sequence + 1);
    signed.push(await sign(tx.from, tx.msgs, sequence));
  }
  return a.block(signed);
}

/** What the module fixtures (device, identity) add to a TestApp for running their txs. */
export interface ModuleTxRunner {
  /** Signs msgs from `from` (next sequence), runs them in one block, returns the tx result. */
  run(from: string, msgs: EncodeObject[]): Promise<ExecTxResult>;
  /** Several txs (each one signer's msgs) in one block. */
  runMany(txs: { from: string; msgs: EncodeObject[] }[]): Promise<ExecTxResult[]>;
  queryError(method: string, request: object): Promise<QueryFailure>;
}

/** A module's signer, its tx runners and its service's queries over `a`. */
export async function moduleTxRunner(
  a: TestApp,
  service: string,
  requests: Record<string, ProtoEncoder<object>>,
): Promise<ModuleTxRunner & { sign: ModuleSigner; ask: ReturnType<typeof serviceQueries>["ask"] }> {
  const sign = await moduleSigner(a);
  const queries = serviceQueries(a, service, requests);
  return {
    sign,
    async run(from, msgs) {
      const [result] = await a.block([await sign(from, msgs)]);
      return result!;
    },
    runMany: (txs) => runInOneBlock(a, sign, txs),
    ask: queries.ask,
    queryError: queries.failure,
  };
}

/** A failed query's code, codespace and log. */
export interface QueryFailure {
  code: number;
  codespace: string;
  log: string;
}

/** Queries of one gRPC service (`/sensorchain.device.v1.Query`) by method name, the request encoded
 * canonically with its type in `requests`: `ask` decodes the answer (and throws on a failure), `failure` returns
 * the failure. */
export function serviceQueries(a: TestApp, service: string, requests: Record<string, ProtoEncoder<object>>) {
  const query = (method: string, request: object) =>
    a.query(`${service}/${method}`, encodeCanonical(requests[method]!, request));
  return {
    async ask<T>(method: string, request: object, type: { decode(bytes: Uint8Array): T }): Promise<T> {
      const response = await query(method, request);
      if (response.code !== 0) throw new Error(`query ${method} failed: ${response.log}`);
      return type.decode(response.value);
    },
    async failure(method: string, request: object): Promise<QueryFailure> {
      const response = await query(method, request);
      return { code: response.code, codespace: response.codespace, log: response.log };
    },
  };
}
