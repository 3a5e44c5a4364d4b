// Helpers of the consumer tests: a node home whose validator the faucet operates, with TLS and
// WebSocket MQTT listeners (a self-signed certificate made by openssl at run time), consumer
// accounts with real secp256k1 keys, cosmjs signing clients and mqtt.js consumers.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import mqtt, { type MqttClient } from "mqtt";
import { accountOf, consumerPassword } from "../../bridge-mqtt/consumers/login.ts";
import { createRegistry } from "../../client/index.ts";
import { CHAIN_ID, cli, DENOM, faucetWallet, freePort } from "../helpers/node-process.ts";

export interface TestAccount {
  privateKey: Uint8Array;
  address: string;
}

export function newAccount(): TestAccount {
  const privateKey = new Uint8Array(randomBytes(32));
  return { privateKey, address: accountOf(privateKey).address };
}

export interface ConsumerTestHome {
  home: string;
  /** PEM of the TLS listener's self-signed certificate (a client's trusted CA). */
  certificate: Buffer;
  tlsPort: number;
  wsPort: number;
  remove(): Promise<void>;
}

/** `init` with the faucet (or `operator`) as the validator's operator, funded accounts, and [mqtt] TLS + WebSocket. */
export async function createConsumerTestHome(
  funded: readonly TestAccount[],
  options: { operator?: string } = {},
): Promise<ConsumerTestHome> {
  const home = await mkdtemp(join(tmpdir(), "sensorchain-consumers-"));
  const { address } = await faucetWallet();
  const operator = options.operator ?? address;
  await cli(["init", "consumer-node", "--chain-id", CHAIN_ID, "--home", home, "--operator", operator]);
  for (const account of new Set([address, operator, ...funded.map((a) => a.address)]))
    await cli(["genesis", "add-account", account, `1000000000000${DENOM}`, "--home", home]);
  await promisify(execFile)("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    join(home, "config", "mqtt-key.pem"),
    "-out",
    join(home, "config", "mqtt-cert.pem"),
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ]);
  const tlsPort = await freePort();
  const wsPort = await freePort();
  const configFile = join(home, "config", "config.toml");
  const config = (await readFile(configFile, "utf8"))
    .replace('tls_laddr = ""', `tls_laddr = "tcp://127.0.0.1:${tlsPort}"`)
    .replace('tls_cert_file = ""', 'tls_cert_file = "config/mqtt-cert.pem"')
    .replace('tls_key_file = ""', 'tls_key_file = "config/mqtt-key.pem"')
    .replace('ws_laddr = ""', `ws_laddr = "tcp://127.0.0.1:${wsPort}"`);
  await writeFile(configFile, config);
  return {
    home,
    certificate: await readFile(join(home, "config", "mqtt-cert.pem")),
    tlsPort,
    wsPort,
    remove: () => rm(home, { recursive: true, force: true }),
  };
}

export async function signingClient(rpcUrl: string, privateKey?: Uint8Array) {
  const wallet =
    privateKey === undefined
      ? (await faucetWallet()).wallet
      : await DirectSecp256k1Wallet.fromKey(privateKey, "sensor");
  return SigningStargateClient.connectWithSigner(rpcUrl, wallet, {
    registry: createRegistry(),
    gasPrice: GasPrice.fromString(`0.025${DENOM}`),
    broadcastPollIntervalMs: 200,
  });
}

/** An mqtt.js consumer logged in with its account key (bridge-mqtt/README.md, Consumers). */
export function connectConsumer(
  url: string,
  account: TestAccount,
  options: {
    nowMs?: number;
    clientId?: string;
    username?: string;
    password?: string;
    ca?: Buffer;
    chainId?: string;
  } = {},
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId: options.clientId ?? `${account.address}/test-${randomBytes(4).toString("hex")}`,
    username: options.username ?? account.address,
    password:
      options.password ??
      consumerPassword(options.chainId ?? CHAIN_ID, account.privateKey, options.nowMs ?? Date.now()),
    reconnectPeriod: 0,
    protocolVersion: 4,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
}

/** Resolves with the next message on `topic` (subscribe first). */
export function nextMessage(client: MqttClient, topic: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const onMessage = (received: string, payload: Buffer) => {
      if (received !== topic) return;
      client.off("message", onMessage);
      resolve(payload);
    };
    client.on("message", onMessage);
  });
}

/** Every message a client receives, by topic (for "nothing arrived" checks after a later marker). */
export function recordMessages(client: MqttClient): Map<string, Buffer[]> {
  const seen = new Map<string, Buffer[]>();
  client.on("message", (topic, payload) => {
    const list = seen.get(topic) ?? [];
    list.push(payload);
    seen.set(topic, list);
  });
  return seen;
}
