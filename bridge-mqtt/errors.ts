// Why the bridge refuses a reading: stable codes (README.md, Rejections), answered on the device's
// errors topic and counted. Transient failures (storage, a full queue) are not rejections: the
// reading is not acknowledged and the device sends it again.

export const REJECTION_CODES = [
  "bad_signature",
  "unknown_device",
  "retired_device",
  "replay",
  "skew",
  "malformed",
  "oversized",
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** A reading refused for good: resending the same bytes gives the same answer. */
export class ReadingRejected extends Error {
  readonly code: RejectionCode;
  constructor(code: RejectionCode, message: string) {
    super(message);
    this.name = "ReadingRejected";
    this.code = code;
  }
}

/** The bridge could not take the reading now (storage failed, queue full, a verification worker
 * died); no PUBACK, retry later. */
export class BridgeUnavailable extends Error {
  readonly code: "storage_failed" | "queue_full" | "stopped" | "verifier_failed";
  constructor(code: BridgeUnavailable["code"], message: string) {
    super(message);
    this.name = "BridgeUnavailable";
    this.code = code;
  }
}

/** Why a CONNECT was refused (counted; the device sees MQTT return code 4 or 5). */
export const AUTH_FAILURES = [
  "unknown_device",
  "retired_device",
  "bad_signature",
  "stale",
  "malformed",
  "unavailable",
] as const;
export type AuthFailure = (typeof AUTH_FAILURES)[number];

export class AuthRefused extends Error {
  readonly code: AuthFailure;
  constructor(code: AuthFailure, message: string) {
    super(message);
    this.name = "AuthRefused";
    this.code = code;
  }
}

/** Counters of what the bridge did, copied into Prometheus when scraped (metrics.ts). Plain numbers:
 * never hashed. */
export interface BridgeCounters {
  accepted: number;
  rejected: Record<RejectionCode, number>;
  connectsAccepted: number;
  connectsRefused: Record<AuthFailure, number>;
  /** Publishes and subscribes refused by the ACL (the client is disconnected). */
  aclDenied: number;
  /** Readings not acknowledged because storage failed or the queue was full. */
  unavailable: number;
  /** Connections cut for an MQTT packet above MAX_MQTT_PACKET_BYTES (or a malformed length). */
  oversizedPackets: number;
}

export function newCounters(): BridgeCounters {
  const zeros = <K extends string>(keys: readonly K[]) =>
    Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
  return {
    accepted: 0,
    rejected: zeros(REJECTION_CODES),
    connectsAccepted: 0,
    connectsRefused: zeros(AUTH_FAILURES),
    aclDenied: 0,
    unavailable: 0,
    oversizedPackets: 0,
  };
}
