// NodeEvent -> the `result` of a CometBFT 0.38 subscription message: `data` is the amino-typed
// event (tendermint/event/NewBlock, …/NewBlockHeader, …/Tx) and `events` the composite-key map
// ("tm.event", "tx.hash", "tx.height", "<event type>.<attribute>") that queries match against.
import type { Event } from "../app/abci.ts";
import { sha256, toBase64 } from "../crypto/hash.ts";
import type { NodeEvent } from "./backend.ts";
import type { EventMap } from "./event-query.ts";
import {
  encodeBlock,
  encodeBlockId,
  encodeEvents,
  encodeHeader,
  encodeTxResult,
  hexUpper,
  type JsonObject,
} from "./json.ts";

export interface EventMessage {
  data: JsonObject;
  events: EventMap;
}

function addEvents(map: EventMap, events: readonly Event[]): void {
  for (const event of events) {
    for (const attribute of event.attributes) {
      const key = `${event.type}.${attribute.key}`;
      const values = Object.hasOwn(map, key) ? map[key]! : (map[key] = []);
      values.push(attribute.value);
    }
  }
}

function eventMap(type: string): EventMap {
  // A null-prototype object, so attribute keys like "__proto__" stay plain data.
  const map: EventMap = Object.create(null);
  map["tm.event"] = [type];
  return map;
}

export function toEventMessage(event: NodeEvent): EventMessage {
  switch (event.type) {
    case "NewBlock": {
      const events = eventMap("NewBlock");
      addEvents(events, event.resultFinalizeBlock.events);
      const value = {
        block: encodeBlock(event.block),
        block_id: encodeBlockId(event.blockId),
        result_finalize_block: { events: encodeEvents(event.resultFinalizeBlock.events) },
      };
      return { data: { type: "tendermint/event/NewBlock", value }, events };
    }
    case "NewBlockHeader":
      return {
        data: { type: "tendermint/event/NewBlockHeader", value: { header: encodeHeader(event.header) } },
        events: eventMap("NewBlockHeader"),
      };
    case "Tx": {
      const events = eventMap("Tx");
      events["tx.hash"] = [hexUpper(sha256(event.tx))];
      events["tx.height"] = [event.height.toString()];
      addEvents(events, event.result.events);
      const txResult = {
        height: event.height.toString(),
        index: event.index,
        tx: toBase64(event.tx),
        result: encodeTxResult(event.result),
      };
      return { data: { type: "tendermint/event/Tx", value: { TxResult: txResult } }, events };
    }
  }
}
