// A delivered tx's result together with the encoded tendermint.abci.ExecTxResult it is stored as,
// made once in finalizeBlock into a block's shared chunks: the block store embeds the bytes as they are
// and builds the tx's event index keys from them (chain/blockstore/encoded-index.ts) instead of
// encoding every event string again. The events stay as emitted: the devnet's validators run the MQTT
// bridge, which reads every committed tx's events, and decoding them back from the bytes cost ~2.7
// times their encoding (so keeping only the bytes, which would spare scavenges ~70 objects per tx
// between finalizeBlock and publication, pays only once such readers look at a cheaper view).
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
  events: Event[];
  /** encodeExecTxResult of this result as delivered (not updated if a field is assigned later). */
  readonly encoded: Uint8Array;

  constructor(result: ExecTxResult, encoded: Uint8Array) {
    this.code = result.code;
    this.codespace = result.codespace;
    this.log = result.log;
    this.data = result.data;
    this.info = result.info;
    this.gasWanted = result.gasWanted;
    this.gasUsed = result.gasUsed;
    this.events = result.events;
    this.encoded = encoded;
  }
}

/** The result of a delivered tx with its encoding in `allocate`'s memory: a DeliveredTxResult, or the
 * result itself when one of its strings is not well-formed UTF-16 (cosmjs-types' writer encodes a lone
 * surrogate as bytes that are not what the index keys hold for it; the block store encodes it then). */
export function deliveredResult(result: ExecTxResult, allocate: Allocate): ExecTxResult {
  const encoded = encodeExecTxResult(result, allocate);
  return lastEncodingWellFormed() ? new DeliveredTxResult(result, encoded) : result;
}
