// Consumer commands across validators (README.md, Commands): the actuator may be connected to any
// validator's bridge, so the bridge that accepted a consumer command (entitlement, size, rate) also
// gossips it to the other validators over libp2p, signed with its node key. A receiving bridge
// delivers it to its own broker's device topic only when the signer is a current validator, the
// signature holds, the message is for this chain, fresh and not seen before.
//
// Wire: node public key (32) ‖ signature (64) ‖ body, the signature (Ed25519, node key) over
// "sensorchain-consumer-command/v1" ‖ body, body = UTF-8 JSON {chain_id, device_id, from, payload
// (base64), ts_ms}: the receiver checks the exact bytes it got, so no canonical form is needed.
import { createHash } from "node:crypto";
import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  Ed25519Signer,
  verifyEd25519,
} from "../../chain/crypto/ed25519.ts";
import type { Logger } from "../../chain/node.ts";
import { peerIdOfPublicKey, type Verdict } from "../../chain/p2p/host.ts";
import { DEVICE_ID_PATTERN } from "../../modules/device/keys.ts";
import type { BridgeNetwork } from "../bridge.ts";

const SIGN_DOMAIN = Buffer.from("sensorchain-consumer-command/v1", "utf8");
/** Bytes before the body: the node public key, then the signature. */
const HEADER_BYTES = ED25519_PUBLIC_KEY_BYTES + ED25519_SIGNATURE_BYTES;
/** Largest relayed message, bytes: a 256-byte command in base64 plus addresses and framing. */
export const MAX_RELAYED_COMMAND_BYTES = 1_024;
/** A relayed command older (or further ahead) than this, by the receiver's clock, is ignored, ms:
 * gossip takes well under a second; a late one would move an actuator at a time nobody asked. */
export const MAX_RELAYED_COMMAND_AGE_MS = 30_000;
/** Recently delivered relays (sha256 of the body), for dedup within the age window: 5/s per device
 * for 10,000 devices over 30 s would be more; past it the oldest are forgotten first. */
export const MAX_SEEN_RELAYS = 100_000;

export interface RelayedCommand {
  deviceId: string;
  from: string;
  payload: Uint8Array;
  tsMs: number;
}

export interface CommandRelayCounters {
  sent: number;
  delivered: number;
  /** Not from a validator, bad signature, other chain, malformed, stale. */
  rejected: number;
  duplicates: number;
}

export interface CommandRelayOptions {
  network: BridgeNetwork;
  topic: string;
  chainId: string;
  now: () => number;
  logger: Logger;
  /** Delivers a relayed command to this bridge's device topic. */
  deliver(command: RelayedCommand): Promise<void>;
}

export class CommandRelay {
  readonly counters: CommandRelayCounters = { sent: 0, delivered: 0, rejected: 0, duplicates: 0 };
  readonly #options: CommandRelayOptions;
  readonly #signer: Ed25519Signer;
  readonly #seen = new Set<string>();
  #stopped = false;

  constructor(options: CommandRelayOptions) {
    this.#options = options;
    this.#signer = new Ed25519Signer(options.network.nodeKeySeed);
    options.network.host.subscribe(options.topic, (data) => this.#receive(data));
  }

  stop(): void {
    this.#stopped = true;
  }

  /** Gossips a command this bridge accepted to the other validators' bridges. */
  send(command: RelayedCommand): void {
    if (this.#stopped) return;
    const body = Buffer.from(
      JSON.stringify({
        chain_id: this.#options.chainId,
        device_id: command.deviceId,
        from: command.from,
        payload: Buffer.from(command.payload).toString("base64"),
        ts_ms: command.tsMs,
      }),
    );
    const signature = this.#signer.sign(Buffer.concat([SIGN_DOMAIN, body]));
    this.#options.network.host.publish(
      this.#options.topic,
      Buffer.concat([this.#signer.publicKey, signature, body]),
    );
    this.counters.sent++;
  }

  async #receive(data: Uint8Array): Promise<Verdict> {
    if (this.#stopped) return "ignore";
    const command = this.#check(data);
    if (command === undefined) {
      this.counters.rejected++;
      return "reject";
    }
    const id = createHash("sha256").update(data.subarray(HEADER_BYTES)).digest("base64");
    if (this.#seen.has(id)) {
      this.counters.duplicates++;
      return "ignore";
    }
    if (this.#seen.size >= MAX_SEEN_RELAYS) this.#seen.delete(this.#seen.values().next().value!);
    this.#seen.add(id);
    try {
      await this.#options.deliver(command);
      this.counters.delivered++;
    } catch (error) {
      this.#options.logger.warn({ err: error, device: command.deviceId }, "relayed command not delivered");
    }
    return "accept";
  }

  #check(data: Uint8Array): RelayedCommand | undefined {
    if (data.length > MAX_RELAYED_COMMAND_BYTES || data.length <= HEADER_BYTES) return undefined;
    const publicKey = data.subarray(0, ED25519_PUBLIC_KEY_BYTES);
    const signature = data.subarray(ED25519_PUBLIC_KEY_BYTES, HEADER_BYTES);
    const body = data.subarray(HEADER_BYTES);
    try {
      if (!this.#options.network.isValidatorPeer(peerIdOfPublicKey(publicKey))) return undefined;
      if (!verifyEd25519(signature, Buffer.concat([SIGN_DOMAIN, body]), publicKey)) return undefined;
      const json = JSON.parse(Buffer.from(body).toString("utf8")) as Record<string, unknown>;
      const { chain_id: chainId, device_id: deviceId, from, payload, ts_ms: tsMs } = json;
      if (
        chainId !== this.#options.chainId ||
        typeof deviceId !== "string" ||
        !DEVICE_ID_PATTERN.test(deviceId)
      )
        return undefined;
      if (typeof from !== "string" || typeof payload !== "string" || typeof tsMs !== "number")
        return undefined;
      if (!Number.isSafeInteger(tsMs) || Math.abs(this.#options.now() - tsMs) > MAX_RELAYED_COMMAND_AGE_MS)
        return undefined;
      return { deviceId, from, payload: Uint8Array.from(Buffer.from(payload, "base64")), tsMs };
    } catch {
      return undefined;
    }
  }
}
