// Loopback ports for test processes (nodes, brokers, harness peers) that a test picks before the
// process binds them. A port the OS calls free now can be taken by the time a loaded machine's child
// binds it (seconds to minutes later): at load ~30 a devnet validator failed with EADDRINUSE because
// another devnet's MQTT broker, listening on port 0, had been given its RPC port. So ports come from
// below the OS's ephemeral range (Linux: 32768-60999), from which port-0 listeners and outgoing
// connections draw theirs, and each is claimed by an exclusive file so that test processes running
// at the same time never pick the same one.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Test ports: above the well-known and common service ports, below Linux's ephemeral range. */
const FIRST_TEST_PORT = 20_000;
const LAST_TEST_PORT = 32_767;
/** Random picks before giving up: thousands of free ports, a few dozen claimed at a time. */
const MAX_PICKS = 200;
/** One file per claimed port, holding the claiming process's pid; removed when that process exits. */
const CLAIMS_DIR = join(tmpdir(), "sensorchain-test-ports");

const claimed: string[] = [];
let releaseOnExit = false;

export async function freePort(): Promise<number> {
  mkdirSync(CLAIMS_DIR, { recursive: true });
  for (let pick = 0; pick < MAX_PICKS; pick++) {
    const port = FIRST_TEST_PORT + Math.floor(Math.random() * (LAST_TEST_PORT - FIRST_TEST_PORT + 1));
    const claim = join(CLAIMS_DIR, String(port));
    if (!tryClaim(claim)) continue;
    if (await bindable(port)) return port;
    unlinkSync(claim); // something outside the tests listens there
    claimed.splice(claimed.indexOf(claim), 1);
  }
  throw new Error(`no free test port in ${FIRST_TEST_PORT}-${LAST_TEST_PORT} after ${MAX_PICKS} picks`);
}

/** Creates the claim file exclusively. A claim whose process is gone is removed (not taken: two
 * processes clearing the same stale claim could both take it), so the next pick may have it. */
function tryClaim(claim: string): boolean {
  let fd: number;
  try {
    fd = openSync(claim, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (!processAlive(Number(readClaim(claim)))) unlinkQuietly(claim);
    return false;
  }
  writeSync(fd, String(process.pid));
  closeSync(fd);
  claimed.push(claim);
  if (!releaseOnExit) {
    releaseOnExit = true;
    process.once("exit", () => {
      for (const file of claimed) unlinkQuietly(file);
    });
  }
  return true;
}

function readClaim(claim: string): string {
  try {
    return readFileSync(claim, "utf8");
  } catch {
    return ""; // released meanwhile: not stale (processAlive treats no pid as alive)
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true; // no pid yet (being written) or gone: not stale
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
