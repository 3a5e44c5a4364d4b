// The shape every module (auth, bank, poa, device, escrow, identity, meter, market) implements, and
// the contexts the application hands it. Modules see stores only through ctx.store(name), which is
// gas-metered and scoped to the tx's cache, so a failing message leaves nothing behind.
import type { IterateRange, KVStore } from "../store/types.ts";
import type { Timestamp } from "../types/block.ts";
import type { BlockRequest, ValidatorUpdate } from "./abci.ts";
import type { EventManager } from "./events.ts";
import type { GasMeter } from "./gas.ts";

/** Why a context exists: msgs run only in deliver and simulate (the SDK skips them in CheckTx). */
export type ExecMode = "check" | "recheck" | "prepare" | "deliver" | "simulate" | "genesis" | "block";

/** What a message handler, keeper, hook or genesis function may use. */
export interface Context {
  readonly height: bigint;
  readonly time: Timestamp;
  readonly chainId: string;
  readonly mode: ExecMode;
  readonly gasMeter: GasMeter;
  readonly events: EventManager;
  /** Bech32 signers of the tx, in order of first appearance; empty outside txs. */
  readonly signers: readonly string[];
  /** The named module store, gas-metered, inside this context's cache. */
  store(name: string): KVStore;
}

/** A protobuf message with its type URL, as it goes into TxMsgData.msg_responses. */
export interface MsgResponse {
  typeUrl: string;
  value: Uint8Array;
}

/** One message type: decode, stateless checks, who must sign it, and its state transition. */
export interface MsgHandler<Msg = unknown> {
  decode(bytes: Uint8Array): Msg;
  /** Stateless checks (addresses, amounts); throws AbciError. Runs in the ante handler, before signatures. */
  validateBasic(msg: Msg): void;
  /** Bech32 addresses that must sign, e.g. [msg.fromAddress]. */
  signers(msg: Msg): string[];
  /** Executes the message; throws AbciError to fail the tx (all its messages are reverted). */
  handle(ctx: Context, msg: Msg): MsgResponse | Promise<MsgResponse>;
}

/** A handler of some message type: handlers of different types share one map, each decodes its own. */
// biome-ignore lint/suspicious/noExplicitAny: parameter variance; the handler's decode fixes the type
export type AnyMsgHandler = MsgHandler<any>;

/** Read-only store view at one committed height, for queries. */
export interface QueryStore {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  iterate(range?: IterateRange): AsyncIterable<[Uint8Array, Uint8Array]>;
}

export interface QueryContext {
  /** The height the state is read at (returned in the response). */
  readonly height: bigint;
  store(name: string): QueryStore;
}

/** A gRPC-style query: protobuf request bytes in, protobuf response bytes out; throws AbciError. */
export type QueryHandler = (ctx: QueryContext, request: Uint8Array) => Promise<Uint8Array>;

/** A check over the whole state; returns a description of what is broken, or undefined. */
export interface Invariant {
  name: string;
  check(ctx: Context): Promise<string | undefined>;
}

/** The keeper of the module with this name, or undefined when no such module is registered. */
export type KeeperLookup = (moduleName: string) => object | undefined;

export interface Module<Keeper extends object = object> {
  /** Also the genesis app_state key. */
  readonly name: string;
  /** Stores this module owns; mounted at genesis. */
  readonly storeNames: readonly string[];
  /** Message handlers keyed by type URL, e.g. "/sensorchain.device.v1.MsgRegisterDevice". */
  readonly msgs?: Readonly<Record<string, AnyMsgHandler>>;
  /** Query handlers keyed by path, e.g. "/sensorchain.device.v1.Query/Device". */
  readonly queries?: Readonly<Record<string, QueryHandler>>;
  /** What other modules may be given (pass the narrowest interface they need when wiring). */
  readonly keeper: Keeper;
  /** Called once by the application after every module is registered, so a module created without
   * explicit dependencies can look up the keepers it needs by module name (and check their shape). */
  connect?(keeperOf: KeeperLookup): void;
  defaultGenesis?(): unknown;
  /** Stateless check of this module's app_state JSON; throws AbciError or Error with a clear message. */
  validateGenesis?(genesis: unknown): void;
  /** May return the initial validator set (poa); the application answers InitChain with it. */
  initGenesis?(
    ctx: Context,
    genesis: unknown,
    // biome-ignore lint/suspicious/noConfusingVoidType: modules without validators return nothing
  ): void | ValidatorUpdate[] | Promise<void | ValidatorUpdate[]>;
  exportGenesis?(ctx: Context): unknown | Promise<unknown>;
  readonly invariants?: readonly Invariant[];
  /** `block` is FinalizeBlock's request (misbehavior, proposer, last commit; txs not yet run). */
  beginBlock?(ctx: Context, block: Readonly<BlockRequest>): void | Promise<void>;
  /** May return validator set changes (poa). */
  endBlock?(ctx: Context): undefined | ValidatorUpdate[] | Promise<undefined | ValidatorUpdate[]>;
}
