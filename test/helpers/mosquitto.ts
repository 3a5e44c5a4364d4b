// A real mosquitto (the Debian package) for the bridge's external broker mode: installed with
// apt-get when it is not on PATH (tests run as root; .ci/run installs it first), started on a free
// loopback port with a temp config, persistence in a temp dir, a password file and the ACL that
// bridge-mqtt/README.md documents, and stopped by its pid.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { HomePaths } from "../../chain/config/home.ts";
import { defaultConfigDocument, type MqttConfig, parseConfigDocument } from "../../chain/config/schema.ts";
import { freePort } from "./node-process.ts";

const run = promisify(execFile);

/** The bridges' login at the broker (README.md, External broker mode). */
export const BRIDGE_USER = "sensorchain-bridge";

/** Debian installs the broker in /usr/sbin, which is not on every user's PATH. */
const SBIN = "/usr/sbin";

async function onPath(binary: string): Promise<boolean> {
  try {
    await run("sh", ["-c", `command -v ${binary}`], { env: { ...process.env, PATH: searchPath() } });
    return true;
  } catch {
    return false;
  }
}

function searchPath(): string {
  return `${process.env["PATH"] ?? ""}:${SBIN}:/usr/bin`;
}

let installing: Promise<void> | undefined;

/** Installs mosquitto when missing; throws a clear error when that is impossible. */
export function ensureMosquitto(): Promise<void> {
  installing ??= (async () => {
    if (await onPath("mosquitto")) return;
    try {
      await run("apt-get", ["update"], { timeout: 300_000 });
      await run("apt-get", ["install", "-y", "mosquitto"], {
        timeout: 300_000,
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
    } catch (error) {
      throw new Error(
        `mosquitto is not installed and "apt-get install -y mosquitto" failed (needs root and the Debian archive): ${(error as Error).message}`,
      );
    }
    if (!(await onPath("mosquitto"))) throw new Error("apt-get installed mosquitto but it is not on PATH");
  })();
  return installing;
}

export interface Mosquitto {
  url: string;
  port: number;
  /** Adds or replaces a login in the password file (mosquitto rereads it on SIGHUP). */
  addUser(username: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts mosquitto with the documented ACL; `users` get logins (username → password). */
export async function startMosquitto(users: Record<string, string>): Promise<Mosquitto> {
  await ensureMosquitto();
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-mosquitto-"));
  const port = await freePort();
  const passwordFile = join(dir, "passwords");
  const aclFile = join(dir, "acl");
  await writeFile(passwordFile, "");
  const addUser = async (username: string, password: string) => {
    await run("mosquitto_passwd", ["-b", passwordFile, username, password], {
      env: { ...process.env, PATH: searchPath() },
    });
  };
  for (const [username, password] of Object.entries(users)) await addUser(username, password);
  await writeFile(
    aclFile,
    [
      `user ${BRIDGE_USER}`,
      "topic read sensorchain/v1/devices/+/readings",
      "topic write sensorchain/v1/devices/+/errors",
      "topic write sensorchain/v1/devices/+/commands",
      "",
      "pattern write sensorchain/v1/devices/%u/readings",
      "pattern read sensorchain/v1/devices/%u/errors",
      "pattern read sensorchain/v1/devices/%u/commands",
      "",
    ].join("\n"),
  );
  await writeFile(
    join(dir, "mosquitto.conf"),
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous false",
      `password_file ${passwordFile}`,
      `acl_file ${aclFile}`,
      "persistence true",
      `persistence_location ${dir}/`,
      "max_inflight_messages 1000",
      "max_queued_messages 100000",
      "max_packet_size 16384",
      "set_tcp_nodelay true",
      // Started as root, mosquitto would drop to the "mosquitto" user, who cannot read our 0700 dir.
      ...(process.getuid?.() === 0 ? ["user root"] : []),
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn("mosquitto", ["-c", join(dir, "mosquitto.conf")], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, PATH: searchPath() },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitForPort(
    port,
    () => child.exitCode !== null,
    () => stderr,
  );
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async addUser(username, password) {
      await addUser(username, password);
      if (child.pid !== undefined) process.kill(child.pid, "SIGHUP");
    },
    async stop() {
      if (child.exitCode === null && child.pid !== undefined) {
        process.kill(child.pid, "SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, died: () => boolean, log: () => string): Promise<void> {
  const { connect } = await import("node:net");
  for (let attempt = 0; attempt < 100; attempt++) {
    if (died()) throw new Error(`mosquitto exited at start: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`mosquitto did not listen on ${port} within 5 s: ${log()}`);
}

/** The [mqtt] config of a bridge in external mode: the defaults, the broker and one verify worker. */
export function externalConfig(broker: {
  url: string;
  username: string;
  password: string;
  sharedGroup: string;
}): MqttConfig {
  const defaults = parseConfigDocument(defaultConfigDocument("test"), {} as HomePaths).mqtt;
  return {
    ...defaults,
    externalUrl: broker.url,
    externalUsername: broker.username,
    externalPassword: broker.password,
    sharedGroup: broker.sharedGroup,
    verifyWorkers: 1,
  };
}
