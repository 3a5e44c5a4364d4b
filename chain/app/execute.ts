// Running one tx: the ante handler's writes (undone on rejection), then the messages atomically (undone
// if any fails, while fee and sequence stay), as runTx/runMsgs in the SDK with their cache layers.
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import type { CacheMultiStore } from "../store/types.ts";
import type { Event, ExecTxResult } from "./abci.ts";
import { type AnteEnvironment, type AnteResult, runAnte } from "./ante.ts";
import { type BlockInfo, StoreContext } from "./context.ts";
import { toAbciError, wrapError } from "./errors.ts";
import { EventManager, isIndexedAttribute, sharedAttribute } from "./events.ts";
import { GasMeter, INFINITE_GAS } from "./gas.ts";
import type { ExecMode, MsgHandler, MsgResponse } from "./module.ts";
import { type DecodedTx, decodeTx } from "./tx.ts";

export interface TxOutcome {
  result: ExecTxResult;
  tx?: DecodedTx;
  ante?: AnteResult;
  msgResponses: MsgResponse[];
}

export interface ExecuteEnvironment extends AnteEnvironment {
  handlers: ReadonlyMap<string, MsgHandler<unknown>>;
  /** Decodes (or finds the decoding of) tx bytes; default decodeTx. Throws code 2 as decodeTx does. */
  decode?: (bytes: Uint8Array) => DecodedTx;
}

const EMPTY = new Uint8Array(0);

export function errorResult(
  error: unknown,
  gasWanted: bigint,
  gasUsed: bigint,
  events: Event[],
): ExecTxResult {
  const abciError = toAbciError(error);
  return {
    code: abciError.code,
    codespace: abciError.codespace,
    log: abciError.log,
    data: EMPTY,
    info: "",
    gasWanted,
    gasUsed,
    events,
  };
}

/** Executes `bytes` on top of `parent`; writes into `parent` only what the SDK would keep. */
export async function executeTx(
  parent: CacheMultiStore,
  block: BlockInfo,
  bytes: Uint8Array,
  mode: ExecMode,
  env: ExecuteEnvironment,
): Promise<TxOutcome> {
  let tx: DecodedTx;
  try {
    tx = env.decode === undefined ? decodeTx(bytes, env.handlers) : env.decode(bytes);
  } catch (error) {
    return { result: errorResult(error, 0n, 0n, []), msgResponses: [] };
  }
  const gasLimit = mode === "simulate" ? INFINITE_GAS : tx.gasLimit;
  const meter = new GasMeter(gasLimit);
  const used = (): bigint => (meter.consumed > gasLimit ? gasLimit : meter.consumed);
  // The tx writes in place in `parent`, each write journaled: a failing ante handler undoes them all, a
  // failing message only the messages' (the ante handler's fee and sequence stay, as the SDK writes its
  // cache before runMsgs). Same outcome as a cache layer for the tx and one for its messages, without
  // their maps, their extra level under every read and the copy of their writes into `parent`.
  // Nothing else writes to `parent` meanwhile: callers run one tx at a time on it (record() enforces it).
  const recording = parent.record();
  try {
    const anteCtx = new StoreContext(block, mode, parent, meter);
    let ante: AnteResult;
    try {
      ante = runAnte(anteCtx, tx, env);
    } catch (error) {
      recording.undoTo(0);
      return { result: errorResult(error, tx.gasLimit, used(), []), tx, msgResponses: [] };
    }
    const anteEvents = anteCtx.events.events;
    // The SDK skips message execution in CheckTx: the ante handler decides mempool admission.
    if (mode === "check" || mode === "recheck" || mode === "prepare")
      return { result: success(tx.gasLimit, used(), anteEvents, EMPTY), tx, ante, msgResponses: [] };
    const msgsStart = recording.mark();
    // The messages' events go after the ante handler's in its own array (its manager is done with it):
    // no copy, and a failing message cuts them off again.
    const events: Event[] = anteEvents;
    const anteEventCount = anteEvents.length;
    const msgResponses: MsgResponse[] = [];
    const msgs = tx.msgs;
    for (let index = 0; index < msgs.length; index++) {
      const { typeUrl, msg, handler } = msgs[index]!;
      const msgIndex = msgIndexString(index);
      // Each message's events carry its msg_index (appended as they are emitted).
      const msgEvents = new EventManager(
        MSG_INDEX_ATTRIBUTES[index] ?? { key: "msg_index", value: msgIndex },
      );
      const msgCtx = anteCtx.forMessage(ante.signers, msgEvents);
      try {
        msgResponses.push(await handler.handle(msgCtx, msg));
      } catch (error) {
        recording.undoTo(msgsStart);
        events.length = anteEventCount;
        const wrapped = wrapError(toAbciError(error), `failed to execute message; message index: ${index}`);
        return { result: errorResult(wrapped, tx.gasLimit, used(), events), tx, ante, msgResponses: [] };
      }
      const typeAttributes = messageTypeAttributes(typeUrl);
      events.push({
        type: "message",
        attributes: [
          typeAttributes.action,
          { key: "sender", value: handler.signers(msg)[0] ?? "", index: true },
          typeAttributes.module,
          { key: "msg_index", value: msgIndex, index: MSG_INDEX_INDEXED },
        ],
      });
      for (const event of msgEvents.events) events.push(event);
    }
    const data = encodeTxMsgData(msgResponses);
    return { result: success(tx.gasLimit, used(), events, data), tx, ante, msgResponses };
  } finally {
    recording.end();
  }
}

const MSG_INDEX_INDEXED = isIndexedAttribute("message", "msg_index");
/** "0", "1", ...: a tx rarely has more messages than this; beyond, String(index). */
const MSG_INDEX_STRINGS = Array.from({ length: 16 }, (_, index) => String(index));

/** The msg_index attribute of the first messages, shared by their events in every tx. */
const MSG_INDEX_ATTRIBUTES = MSG_INDEX_STRINGS.map((value) => sharedAttribute("msg_index", value));

function msgIndexString(index: number): string {
  return MSG_INDEX_STRINGS[index] ?? String(index);
}

/** TxMsgData of one message's response, by response object: handlers with a fixed response (MsgSend)
 * return the same object every time, and its encoding was generated-encoder work per tx. The bytes
 * are shared by those results' `data` (nobody writes to a result). Weak: lives as the response does. */
const encodedSingleResponses = new WeakMap<
  MsgResponse,
  { typeUrl: string; value: Uint8Array; data: Uint8Array }
>();

function encodeTxMsgData(msgResponses: MsgResponse[]): Uint8Array {
  if (msgResponses.length !== 1) return TxMsgData.encode({ data: [], msgResponses }).finish();
  const response = msgResponses[0]!;
  const known = encodedSingleResponses.get(response);
  // The fields too: a handler may reuse one object for different responses.
  if (known !== undefined && known.typeUrl === response.typeUrl && known.value === response.value)
    return known.data;
  const data = TxMsgData.encode({ data: [], msgResponses }).finish();
  encodedSingleResponses.set(response, { typeUrl: response.typeUrl, value: response.value, data });
  return data;
}

function success(gasWanted: bigint, gasUsed: bigint, events: Event[], data: Uint8Array): ExecTxResult {
  return { code: 0, codespace: "", log: "", data, info: "", gasWanted, gasUsed, events };
}

/** "/sensorchain.device.v1.MsgRegisterDevice" → "device", "/cosmos.bank.v1beta1.MsgSend" → "bank". */
export function moduleOfTypeUrl(typeUrl: string): string {
  return typeUrl.replace(/^\//, "").split(".")[1] ?? "";
}

interface MessageTypeAttributes {
  action: Readonly<Event["attributes"][number]>;
  module: Readonly<Event["attributes"][number]>;
}

/** The message event's action and module attributes of a type URL, frozen and shared by every message
 * of that type (events are never written once emitted): two objects less per message that lived with
 * its result until the block was stored. */
function messageTypeAttributes(typeUrl: string): MessageTypeAttributes {
  let attributes = messageTypeAttributesByUrl.get(typeUrl);
  if (attributes === undefined) {
    attributes = {
      action: Object.freeze({ key: "action", value: typeUrl, index: true }),
      module: Object.freeze({ key: "module", value: moduleOfTypeUrl(typeUrl), index: true }),
    };
    if (messageTypeAttributesByUrl.size < MAX_CACHED_TYPE_URLS)
      messageTypeAttributesByUrl.set(typeUrl, attributes);
  }
  return attributes;
}

/** Type URLs resolve to registered handlers only (decodeTx), so they are as few as the message types;
 * bounded all the same. */
const MAX_CACHED_TYPE_URLS = 1_024;
const messageTypeAttributesByUrl = new Map<string, MessageTypeAttributes>();
