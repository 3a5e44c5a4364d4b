// Real multi-node devnets for end-to-end tests: homes from scripts/devnet.ts createDevnet on
// OS-chosen loopback ports, one `sensorchain start` process per node, each stopped by its pid; a
// steady MsgSend load from several funded senders, each bound to one node at a time.
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { createDevnet, type Devnet, type DevnetNodeSpec, startDevnetNode } from "../../scripts/devnet.ts";
import { freePort, rpc } from "./node-process.ts";

export const DENOM = "usensor";

/** How long devnet node processes (re)started together may take to commit their next height, ms:
 * ~10 s on an idle machine, but four validators started together at load ~30 took 78 s to reach
 * height 2 (~65 s of it before their first log line), which failed every 4-validator test's 60 s
 * wait, and five devnets started together at that load took ~3 min. Only a start that really never
 * comes waits this long. */
export const DEVNET_START_TIMEOUT_MS = 300_000;

export interface RunningDevnetNode {
  spec: DevnetNodeSpec;
  rpcUrl: string;
  child: ChildProcess | undefined;
  output: string;
  start(): void;
  kill9(): Promise<void>;
  stop(): Promise<void>;
  running(): boolean;
}

export interface TestDevnet {
  devnet: Devnet;
  nodes: RunningDevnetNode[];
  senders: { wallet: DirectSecp256k1HdWallet; address: string }[];
  close(): Promise<void>;
}

export async function startTestDevnet(options: {
  validators: number;
  fullNodes?: number;
  senders?: number;
  timeoutCommit?: string;
  startFullNodes?: boolean;
  /** Extra [mqtt] settings of every node (createDevnet). */
  mqtt?: Record<string, string | number | boolean>;
}): Promise<TestDevnet> {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-devnet-"));
  const total = options.validators + (options.fullNodes ?? 0);
  const ports: { rpc: number; p2p: number }[] = [];
  for (let i = 0; i < total; i++) ports.push({ rpc: await freePort(), p2p: await freePort() });
  const senders = [];
  for (let i = 0; i < (options.senders ?? 0); i++) {
    const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
    senders.push({ wallet, address: (await wallet.getAccounts())[0]!.address });
  }
  const devnet = await createDevnet({
    dir,
    validators: options.validators,
    fullNodes: options.fullNodes ?? 0,
    ports: (i) => ports[i]!,
    accounts: senders.map((s) => ({ address: s.address, amount: 10_000_000_000n })),
    timeoutCommit: options.timeoutCommit ?? "500ms",
    ...(options.mqtt === undefined ? {} : { mqtt: options.mqtt }),
  });
  const nodes = devnet.nodes.map((spec) => makeNode(spec));
  for (const node of nodes) if (node.spec.validator || options.startFullNodes) node.start();
  return {
    devnet,
    nodes,
    senders,
    async close() {
      await Promise.all(nodes.map((node) => node.kill9()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function makeNode(spec: DevnetNodeSpec): RunningDevnetNode {
  let exited: Promise<void> = Promise.resolve();
  const node: RunningDevnetNode = {
    spec,
    rpcUrl: `http://127.0.0.1:${spec.rpcPort}`,
    child: undefined,
    output: "",
    start() {
      const child = startDevnetNode(spec);
      node.child = child;
      child.stdout?.on("data", (chunk) => (node.output += chunk));
      child.stderr?.on("data", (chunk) => (node.output += chunk));
      exited = new Promise((resolve) => child.once("exit", () => resolve()));
    },
    running: () => node.child !== undefined && node.child.exitCode === null && node.child.signalCode === null,
    async kill9() {
      if (node.running() && node.child?.pid !== undefined) process.kill(node.child.pid, "SIGKILL");
      await exited;
    },
    async stop() {
      if (node.running() && node.child?.pid !== undefined) process.kill(node.child.pid, "SIGINT");
      await exited;
    },
  };
  return node;
}

export async function statusOf(
  node: RunningDevnetNode,
): Promise<{ height: bigint; catchingUp: boolean; appHash: string } | undefined> {
  try {
    const status = await rpc(node.rpcUrl, "status");
    const info = status.result.sync_info;
    return {
      height: BigInt(info.latest_block_height),
      catchingUp: info.catching_up,
      appHash: info.latest_app_hash,
    };
  } catch {
    return undefined;
  }
}

/** The embedded broker's URL, from the node's "mqtt bridge listening" log line (laddr port 0). */
export function mqttUrlOf(node: RunningDevnetNode): string | undefined {
  const line = node.output.split("\n").find((l) => l.includes("mqtt bridge listening"));
  return line === undefined ? undefined : /mqtt:\/\/[0-9.]+:[0-9]+/.exec(line)?.[0];
}

export async function heightOf(node: RunningDevnetNode): Promise<bigint> {
  return (await statusOf(node))?.height ?? -1n;
}

export async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs: number,
  nodes: RunningDevnetNode[] = [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      const logs = nodes
        .map((n) => `--- ${n.spec.moniker}\n${n.output.split("\n").slice(-25).join("\n")}`)
        .join("\n");
      throw new Error(`timed out waiting for ${what}\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function waitForHeights(
  nodes: RunningDevnetNode[],
  height: bigint,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    `height ${height} on ${nodes.map((n) => n.spec.moniker).join(", ")}`,
    async () => {
      for (const node of nodes) if ((await heightOf(node)) < height) return false;
      return true;
    },
    timeoutMs,
    nodes,
  );
}

/** The block at `height` as a node reports it: block hash, app hash in its header, signers of its last commit. */
export async function blockAt(
  node: RunningDevnetNode,
  height: bigint,
): Promise<{ hash: string; appHash: string; lastCommitSigners: string[] } | undefined> {
  const response = await rpc(node.rpcUrl, "block", { height: height.toString() });
  if (response.result === undefined) return undefined;
  const block = response.result.block;
  return {
    hash: response.result.block_id.hash,
    appHash: block.header.app_hash,
    lastCommitSigners: block.last_commit.signatures
      .filter((s: { block_id_flag: number }) => s.block_id_flag === 2)
      .map((s: { validator_address: string }) => s.validator_address),
  };
}

/** A steady MsgSend load: each sender signs offline and broadcasts to its node, moving to the next
 * live node (and re-reading its sequence) when its node is down or refuses the sequence. */
export class TxLoad {
  readonly accepted = new Set<string>();
  readonly net: TestDevnet;
  readonly intervalMs: number;
  #running = true;
  #loops: Promise<void>[] = [];

  constructor(net: TestDevnet, intervalMs: number) {
    this.net = net;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.#loops = this.net.senders.map((sender, index) => this.#loop(sender, index));
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  async #loop(sender: { wallet: DirectSecp256k1HdWallet; address: string }, index: number): Promise<void> {
    const signer = await SigningStargateClient.offline(sender.wallet);
    const validators = this.net.nodes.filter((n) => n.spec.validator);
    let nodeIndex = index % validators.length;
    let account: { accountNumber: bigint; sequence: number } | undefined;
    const fee = { amount: [{ denom: DENOM, amount: "5000" }], gas: "200000" };
    while (this.#running) {
      await new Promise((r) => setTimeout(r, this.intervalMs));
      const node = validators[nodeIndex]!;
      try {
        if (account === undefined) {
          const client = await StargateClient.connect(node.rpcUrl);
          const onChain = await client.getAccount(sender.address);
          client.disconnect();
          if (onChain === null) throw new Error("sender not found");
          account = { accountNumber: onChain.accountNumber, sequence: onChain.sequence };
        }
        const current = account;
        const raw = await signer.sign(
          sender.address,
          [
            {
              typeUrl: "/cosmos.bank.v1beta1.MsgSend",
              value: {
                fromAddress: sender.address,
                toAddress: sender.address,
                amount: [{ denom: DENOM, amount: "1" }],
              },
            },
          ],
          fee,
          "",
          {
            accountNumber: current.accountNumber,
            sequence: current.sequence,
            chainId: this.net.devnet.chainId,
          },
        );
        const bytes = TxRaw.encode(raw).finish();
        const response = await rpc(node.rpcUrl, "broadcast_tx_sync", {
          tx: Buffer.from(bytes).toString("base64"),
        });
        if (response.result?.code === 0) {
          this.accepted.add(createHash("sha256").update(bytes).digest("hex").toUpperCase());
          current.sequence++;
        } else account = undefined;
      } catch {
        account = undefined;
        nodeIndex = (nodeIndex + 1) % validators.length;
      }
    }
  }
}

export async function txHeight(node: RunningDevnetNode, hash: string): Promise<bigint | undefined> {
  const response = await rpc(node.rpcUrl, "tx", { hash: Buffer.from(hash, "hex").toString("base64") });
  return response.result === undefined ? undefined : BigInt(response.result.height);
}
