// A delivered tx's result as the encoded tendermint.abci.ExecTxResult it is stored as, its events
// decoded only when someone reads them. A MsgSend's ~12 events were ~70 objects (4.4 KB) per tx that
// lived from finalizeBlock until the block was saved and published, so every scavenge in between
// copied them and most were promoted; the encoding is one view of a block's shared chunk. The block
// store embeds the bytes as they are and builds the event index from them (chain/blockstore).
import { ExecTxResult as ProtoExecTxResult } from "cosmjs-types/tendermint/abci/types";
import type { Allocate } from "../blockstore/byte-arena.ts";
import { encodeExecTxResult, lastEncodingWellFormed } from "../blockstore/codec.ts";
import type { Event, ExecTxResult } from "./abci.ts";

export class DeliveredTxResult implements ExecTxResult {
  code: number;
  codespace: string;
  log: string;
  data: Uint8Array;
  info: string;
  gasWanted: bigint;
  gasUsed: bigint;
  /** encodeExecTxResult of this result as delivered (not updated if a field is assigned later). */
  readonly encoded: Uint8Array;
  #events: Event[] | undefined;

  constructor(result: ExecTxResult, encoded: Uint8Array) {
    this.code = result.code;
    this.codespace = result.codespace;
    this.log = result.log;
    this.data = result.data;
    this.info = result.info;
    this.gasWanted = result.gasWanted;
    this.gasUsed = result.gasUsed;
    this.encoded = encoded;
  }

  /** The events as the generated decoder reads them back: equal to those emitted (the encoding's
   * strings were all well-formed UTF-16, deliveredResult checked). */
  get events(): Event[] {
    this.#events ??= ProtoExecTxResult.decode(this.encoded).events;
    return this.#events;
  }

  set events(events: Event[]) {
    this.#events = events;
  }
}

/** The result of a delivered tx, encoded once into `allocate`'s memory: a DeliveredTxResult, or the
 * result itself when one of its strings is not well-formed UTF-16 (a lone surrogate would not read
 * back as it was written, so its events stay as they are). */
export function deliveredResult(result: ExecTxResult, allocate: Allocate): ExecTxResult {
  const encoded = encodeExecTxResult(result, allocate);
  return lastEncodingWellFormed() ? new DeliveredTxResult(result, encoded) : result;
}
