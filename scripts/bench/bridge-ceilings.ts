// The ceilings the bridge benchmark is judged against, measured in the same run: ed25519 verification
// (node:crypto, cached KeyObject) on one core and on all cores (worker threads), and a plain MQTT relay
// (mosquitto when installed, else aedes in its own process): one publisher to one subscriber, QoS 1,
// 200-byte payloads, a bounded window of publishes in flight.
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import mqtt from "mqtt";
import { verifyEd25519 } from "../../chain/crypto/ed25519.ts";
import { nativeSodium } from "../../chain/crypto/native-verify.ts";
import { freePort } from "../../test/helpers/node-process.ts";
import { rate } from "./crypto.ts";

/** Publishes in flight in the relay measurement: enough to keep both sockets busy. */
const RELAY_WINDOW = 1000;
const RELAY_PAYLOAD_BYTES = 200;
/** How long to wait for a broker process to listen, ms. */
const BROKER_START_TIMEOUT_MS = 10_000;

/** Which ed25519 verifier the node uses here, and so the ceilings below: libsodium where its binary
 * loads (chain/crypto/native-verify.ts), else node:crypto. */
export const ED25519_BACKEND = nativeSodium === undefined ? "node:crypto" : "libsodium";
const SODIUM_PATH =
  nativeSodium === undefined ? undefined : createRequire(import.meta.url).resolve("sodium-native");

function ed25519Case(): { message: Buffer; signature: Buffer; rawKey: Uint8Array } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const message = Buffer.alloc(120, 7);
  const rawKey = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
  return { message, signature: sign(null, message, privateKey), rawKey };
}

/** ed25519 verifications per second on this thread, with the node's verifier (verifyEd25519). */
export function ed25519VerifyRate(ms = 1000): number {
  const { message, signature, rawKey } = ed25519Case();
  return rate(() => verifyEd25519(signature, message, rawKey), ms);
}

/** The same on every core at once: one worker thread per core, rates summed. */
export async function ed25519VerifyRateAllCores(ms = 1000): Promise<{ cores: number; perSecond: number }> {
  const cores = availableParallelism();
  const { message, signature, rawKey } = ed25519Case();
  // Plain JS (an eval worker): each thread times its own loop the way rate() does, with libsodium
  // (loaded from its resolved path) when the node would use it, else node:crypto with a KeyObject.
  const source = `
    const { parentPort, workerData } = require("node:worker_threads");
    const { createPublicKey, verify } = require("node:crypto");
    const message = Buffer.from(workerData.message);
    const signature = Buffer.from(workerData.signature);
    const rawKey = Buffer.from(workerData.rawKey);
    let check;
    if (workerData.sodiumPath !== undefined) {
      const sodium = require(workerData.sodiumPath);
      check = () => sodium.crypto_sign_verify_detached(signature, message, rawKey);
    } else {
      const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: rawKey.toString("base64url") }, format: "jwk" });
      check = () => verify(null, message, key, signature);
    }
    for (let i = 0; i < 200; i++) check();
    let count = 0;
    const start = performance.now();
    while (performance.now() - start < workerData.ms) {
      for (let i = 0; i < 50; i++) check();
      count += 50;
    }
    parentPort.postMessage((count * 1000) / (performance.now() - start));`;
  const rates = await Promise.all(
    Array.from(
      { length: cores },
      () =>
        new Promise<number>((resolve, reject) => {
          const worker = new Worker(source, {
            eval: true,
            workerData: { ms, message, signature, rawKey, sodiumPath: SODIUM_PATH },
          });
          worker.once("message", (value: number) => {
            resolve(value);
            void worker.terminate();
          });
          worker.once("error", reject);
        }),
    ),
  );
  return { cores, perSecond: rates.reduce((a, b) => a + b, 0) };
}

export interface RelayFigures {
  broker: "mosquitto" | "aedes";
  messages: number;
  perSecond: number;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + BROKER_START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`broker exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 1000 });
      client.once("connect", () => client.end(true, () => resolve(true)));
      client.once("error", () => client.end(true, () => resolve(false)));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`broker did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts mosquitto (when `mosquittoPath` is given) or aedes in a child process on a free port. */
export async function startRelayBroker(
  dir: string,
  mosquittoPath: string | undefined,
): Promise<{ broker: RelayFigures["broker"]; port: number; child: ChildProcess }> {
  const port = await freePort();
  let child: ChildProcess;
  if (mosquittoPath !== undefined) {
    const config = join(dir, "mosquitto.conf");
    // Unbounded queues: the default max_queued_messages (1,000) drops QoS 1 messages under a burst
    // (reference/baselines.md); TCP_NODELAY as our broker has it.
    writeFileSync(
      config,
      `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\nset_tcp_nodelay true\npersistence false\n`,
    );
    child = spawn(mosquittoPath, ["-c", config], { stdio: "ignore" });
  } else {
    const source = `import { Aedes } from "aedes"; import { createServer } from "node:net";
      const broker = await Aedes.createBroker();
      createServer({ noDelay: true }, (s) => broker.handle(s)).listen(${port}, "127.0.0.1");`;
    child = spawn(process.execPath, ["--input-type=module", "-e", source], {
      stdio: "ignore",
      cwd: process.cwd(),
    });
  }
  try {
    await waitForPort(port, child);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return { broker: mosquittoPath === undefined ? "aedes" : "mosquitto", port, child };
}

/** One publisher to one subscriber through a plain broker, QoS 1, `messages` of 200 bytes. */
export async function measureRelay(
  dir: string,
  mosquittoPath: string | undefined,
  messages = 50_000,
): Promise<RelayFigures> {
  const { broker, port, child } = await startRelayBroker(dir, mosquittoPath);
  const url = `mqtt://127.0.0.1:${port}`;
  const subscriber = await mqtt.connectAsync(url, {
    clientId: "relay-sub",
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
  const publisher = await mqtt.connectAsync(url, {
    clientId: "relay-pub",
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
  try {
    for (const client of [subscriber, publisher])
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    await subscriber.subscribeAsync("bench/relay", { qos: 1 });
    const payload = Buffer.alloc(RELAY_PAYLOAD_BYTES, 1);
    let received = 0;
    const done = new Promise<void>((resolve) =>
      subscriber.on("message", () => {
        if (++received === messages) resolve();
      }),
    );
    const started = performance.now();
    let sent = 0;
    let acked = 0;
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (sent < messages && sent - acked < RELAY_WINDOW) {
          sent++;
          publisher.publish("bench/relay", payload, { qos: 1 }, () => {
            acked++;
            if (acked === messages) resolve();
            else pump();
          });
        }
      };
      pump();
    });
    await done;
    return { broker, messages, perSecond: (messages * 1000) / (performance.now() - started) };
  } finally {
    await Promise.all([subscriber.endAsync(true), publisher.endAsync(true)]);
    child.kill("SIGTERM");
  }
}
