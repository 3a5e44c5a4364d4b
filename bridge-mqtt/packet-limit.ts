// A bound on MQTT packet size at the protocol layer (README.md, Packet size limit). aedes parses
// with mqtt-packet, which buffers a whole packet of any announced length (up to 256 MB, the MQTT
// maximum) before any of our checks run: a client could make the broker hold 256 MB per socket.
// This guard sees each chunk as the socket receives it and reads only MQTT's framing: the fixed header's
// first byte and its remaining length (1-4 bytes of 7-bit groups, MQTT 3.1.1 §2.2.3). As soon as a
// packet announces more than the limit, before its body is read, the connection is destroyed; the
// bytes it has already sent in that chunk never reach aedes. Nothing is buffered: body bytes are
// counted and passed through.
import type { Duplex } from "node:stream";

/** Largest remaining length (bytes after the fixed header) a client may send. A reading is at most
 * 4,096 bytes of payload (MAX_READING_BYTES) plus a ~50-byte topic; logins, subscriptions and
 * commands are smaller. 16 KiB leaves room for MQTT 5 properties and a future larger form while one
 * connection can make the broker buffer at most 16 KiB. */
export const MAX_MQTT_PACKET_BYTES = 16_384;
/** MQTT's remaining length has at most 4 bytes (§2.2.3); a fifth continuation byte is malformed. */
const MAX_LENGTH_BYTES = 4;

export type PacketViolation = "oversized" | "malformed";

/** Walks MQTT framing over a byte stream without buffering; false at the first violation. */
export class MqttFrameScanner {
  readonly maxBytes: number;
  /** 0: next byte is a fixed header's first; 1: inside the remaining length; 2: inside a body. */
  #state: 0 | 1 | 2 = 0;
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  #bodyLeft = 0;
  violation: PacketViolation | undefined;
  /** The remaining length the offending packet announced (at least maxBytes + 1 when oversized). */
  announcedBytes = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Advances over `chunk`; false (and `violation` set) when a packet breaks the limit. */
  scan(chunk: Uint8Array): boolean {
    if (this.violation !== undefined) return false;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#state === 2) {
        const step = Math.min(this.#bodyLeft, chunk.length - offset);
        this.#bodyLeft -= step;
        offset += step;
        if (this.#bodyLeft === 0) this.#state = 0;
        continue;
      }
      const byte = chunk[offset++]!;
      if (this.#state === 0) {
        this.#state = 1;
        this.#length = 0;
        this.#multiplier = 1;
        this.#lengthBytes = 0;
        continue;
      }
      this.#length += (byte & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      this.#lengthBytes++;
      if (this.#length > this.maxBytes) {
        // A continuation byte can only make it larger: refuse now, before the rest arrives.
        this.violation = "oversized";
        this.announcedBytes = this.#length;
        return false;
      }
      if ((byte & 0x80) !== 0) {
        if (this.#lengthBytes >= MAX_LENGTH_BYTES) {
          this.violation = "malformed";
          return false;
        }
        continue;
      }
      this.#bodyLeft = this.#length;
      this.#state = this.#length === 0 ? 0 : 2;
    }
    return true;
  }
}

/**
 * Makes `socket` refuse a packet announcing more than `maxBytes`: the socket is destroyed before any
 * byte of that chunk reaches a reader. Works over any byte stream: TCP, TLS, or a WebSocket stream.
 * The check sits in the stream's own `push`, through which every received chunk enters its read
 * buffer, so aedes reads and writes the socket itself: an extra Duplex between the two (as this
 * guard was) cost the broker a second stream's machinery per packet each way, and made each PUBACK
 * several socket writes (~15% of the bridge's main thread in a 3,000-device profile).
 */
export function guardPacketSize<T extends Duplex>(
  socket: T,
  options: {
    maxBytes?: number;
    onViolation?: (violation: PacketViolation, announcedBytes: number) => void;
  } = {},
): T {
  (socket as unknown as GuardedStream)[GUARD] = new PacketGuard(
    options.maxBytes ?? MAX_MQTT_PACKET_BYTES,
    socket.push,
    options.onViolation,
  );
  socket.push = guardedPush;
  return socket;
}

/** Where a guarded stream keeps its scanner and its own push (one object per connection, no
 * closures: every byte a connection holds is 10 KB of heap at 10,000 devices). */
const GUARD = Symbol("packetGuard");
type GuardedStream = Duplex & { [GUARD]: PacketGuard };

class PacketGuard extends MqttFrameScanner {
  readonly push: Duplex["push"];
  readonly onViolation: ((violation: PacketViolation, announcedBytes: number) => void) | undefined;

  constructor(
    maxBytes: number,
    push: Duplex["push"],
    onViolation: ((violation: PacketViolation, announcedBytes: number) => void) | undefined,
  ) {
    super(maxBytes);
    this.push = push;
    this.onViolation = onViolation;
  }
}

/** `push` of every guarded stream. */
function guardedPush(this: GuardedStream, chunk: unknown, encoding?: BufferEncoding): boolean {
  const guard = this[GUARD];
  if (chunk instanceof Uint8Array && !guard.scan(chunk)) {
    guard.onViolation?.(guard.violation!, guard.announcedBytes);
    this.destroy();
    return false;
  }
  return guard.push.call(this, chunk, encoding);
}
