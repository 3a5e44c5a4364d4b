// Event collection in the CometBFT ≥ 0.37 shape (plain string keys and values). Which attributes
// are indexed is the application's choice (CometBFT indexes exactly those marked `index`, and
// tx_search/block_search match only those): everything modules emit is indexed, except attributes
// nobody searches by that would only grow the index. Every tx carried ~28 index entries before;
// a MsgSend now carries 12 distinct ones.
import type { Event } from "./abci.ts";

/** `type.key` of SDK events kept out of the index: coin amounts and fees (clients search by address,
 * action, module, tx hash, height, acc_seq, signature and module events, never by an amount string). */
export const UNINDEXED_ATTRIBUTES: ReadonlySet<string> = new Set([
  "coin_spent.amount",
  "coin_received.amount",
  "transfer.amount",
  "tx.fee",
]);
/** Attribute keys the application appends to every event of a message or block hook: position and
 * phase, not something to search by. */
export const UNINDEXED_KEYS: ReadonlySet<string> = new Set(["msg_index", "mode"]);

/** UNINDEXED_ATTRIBUTES by event type, so emitting an event builds no `type.key` strings. */
const unindexedByType = new Map<string, Set<string>>();
for (const attribute of UNINDEXED_ATTRIBUTES) {
  const dot = attribute.indexOf(".");
  const type = attribute.slice(0, dot);
  let keys = unindexedByType.get(type);
  if (keys === undefined) {
    keys = new Set();
    unindexedByType.set(type, keys);
  }
  keys.add(attribute.slice(dot + 1));
}

export function isIndexedAttribute(type: string, key: string): boolean {
  return !UNINDEXED_KEYS.has(key) && unindexedByType.get(type)?.has(key) !== true;
}

/** An attribute of an event of `type`, indexed as emit would index it. */
export function eventAttribute(type: string, key: string, value: string): Event["attributes"][number] {
  return { key, value, index: isIndexedAttribute(type, key) };
}

/** Attributes made by sharedAttribute (frozen, with their index flag). */
const sharedAttributes = new WeakSet<object>();

/** A frozen attribute to append to many managers' events (each message's msg_index): built once by
 * its caller instead of once per EventManager. */
export function sharedAttribute(key: string, value: string): Readonly<Event["attributes"][number]> {
  const attribute = Object.freeze({ key, value, index: !UNINDEXED_KEYS.has(key) });
  sharedAttributes.add(attribute);
  return attribute;
}

export class EventManager {
  readonly events: Event[] = [];
  readonly #appended: Event["attributes"][number] | undefined;

  /** With `appended` (e.g. msg_index of a message's events), every event gets that attribute last,
   * as withAttribute would add it afterwards, without copying the events again. An attribute from
   * sharedAttribute is used as it is (no copy per manager). */
  constructor(appended?: { key: string; value: string }) {
    // One frozen attribute shared by all of them: events are never written once emitted.
    this.#appended =
      appended === undefined
        ? undefined
        : sharedAttributes.has(appended)
          ? (appended as Event["attributes"][number])
          : Object.freeze({ ...appended, index: !UNINDEXED_KEYS.has(appended.key) });
  }

  emit(type: string, attributes: Record<string, string>): void {
    // Sized exactly: a list grown by push from empty gets room for 17 attributes, and a delivered tx's
    // ~12 lists live with its result until the block is stored (~1.4 KB of a MsgSend's ~16 KB that
    // survive scavenges).
    const appended = this.#appended;
    let count = appended === undefined ? 0 : 1;
    for (const _ in attributes) count++;
    const list: Event["attributes"] = new Array(count);
    let at = 0;
    for (const key in attributes)
      list[at++] = { key, value: attributes[key]!, index: isIndexedAttribute(type, key) };
    if (appended !== undefined) list[at] = appended;
    this.events.push({ type, attributes: list });
  }

  /** An event of attributes the caller built (eventAttribute), so that one attribute object can serve
   * several events (a transfer's amount in coin_spent, coin_received and transfer): they are never
   * written once emitted. */
  emitAttributes(type: string, attributes: readonly Event["attributes"][number][]): void {
    const appended = this.#appended;
    const count = attributes.length;
    const list: Event["attributes"] = new Array(appended === undefined ? count : count + 1);
    for (let at = 0; at < count; at++) list[at] = attributes[at]!;
    if (appended !== undefined) list[count] = appended;
    this.events.push({ type, attributes: list });
  }

  emitAll(events: readonly Event[]): void {
    const appended = this.#appended;
    if (appended === undefined) for (const event of events) this.events.push(event);
    else for (const event of withAttribute(events, appended.key, appended.value)) this.events.push(event);
  }
}

/** Copies events with one more attribute appended to each, e.g. msg_index or mode=BeginBlock. */
export function withAttribute(events: readonly Event[], key: string, value: string): Event[] {
  const index = !UNINDEXED_KEYS.has(key);
  return events.map((event) => ({
    type: event.type,
    attributes: [...event.attributes, { key, value, index }],
  }));
}
