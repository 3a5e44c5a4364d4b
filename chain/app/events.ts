// Event collection in the CometBFT ≥ 0.37 shape (plain string keys and values, all indexed, as the
// SDK marks them by default so tx_search finds them).
import type { Event } from "./abci.ts";

export class EventManager {
  readonly events: Event[] = [];

  emit(type: string, attributes: Record<string, string>): void {
    this.events.push({
      type,
      attributes: Object.entries(attributes).map(([key, value]) => ({ key, value, index: true })),
    });
  }

  emitAll(events: readonly Event[]): void {
    for (const event of events) this.events.push(event);
  }
}

/** Copies events with one more attribute appended to each, e.g. msg_index or mode=BeginBlock. */
export function withAttribute(events: readonly Event[], key: string, value: string): Event[] {
  return events.map((event) => ({
    type: event.type,
    attributes: [...event.attributes, { key, value, index: true }],
  }));
}
