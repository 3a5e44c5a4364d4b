// `sensorchain tx escrow open --command-payload/--command-duration`: the flag parsers (text, hex:,
// base64:; seconds or <n>s|m|h|d), each bad value refused with the CLI's invalid_flag code.
import test from "ava";
import { CliError } from "../../chain/cli/errors.ts";
import { parseCommandDuration, parseCommandPayload } from "../../chain/cli/escrow.ts";

test("command payload: UTF-8 text, hex: and base64:, 1-256 bytes", (t) => {
  t.deepEqual(parseCommandPayload("on"), new TextEncoder().encode("on"));
  t.deepEqual(parseCommandPayload("hex:01ff"), Uint8Array.of(1, 255));
  t.deepEqual(parseCommandPayload("base64:AQI="), Uint8Array.of(1, 2));
  t.is(parseCommandPayload("x".repeat(256)).length, 256);
  for (const bad of ["", "x".repeat(257), "hex:1", "hex:zz", "base64:AQI", "base64:@@@@"]) {
    const error = t.throws(() => parseCommandPayload(bad), { instanceOf: CliError }, bad);
    t.is((error as CliError).code, "invalid_flag");
  }
});

test("command duration: seconds or <n>s|m|h|d, at most 31 days", (t) => {
  t.is(parseCommandDuration("5"), 5n);
  t.is(parseCommandDuration("90s"), 90n);
  t.is(parseCommandDuration("15m"), 900n);
  t.is(parseCommandDuration("2h"), 7200n);
  t.is(parseCommandDuration("31d"), 31n * 86_400n);
  for (const bad of ["0", "-5", "1.5h", "32d", "5w", ""])
    t.throws(() => parseCommandDuration(bad), { instanceOf: CliError }, bad);
});
