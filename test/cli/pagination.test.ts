// Every paged query verb shares one --limit/--page-key check (chain/cli/module-tx.ts pagination):
// --limit 1..1000, --page-key standard base64; a bad value is refused before any node is asked.
import test from "ava";
import { pagination } from "../../chain/cli/module-tx.ts";
import { runCli } from "./cli-helpers.ts";

test("pagination: --limit 1 to 1000 and a base64 --page-key; anything else is invalid_flag", (t) => {
  t.is(pagination({ limit: "1000", countTotal: false }).limit?.toString(), "1000");
  t.deepEqual(pagination({ pageKey: "AAE=", countTotal: true }).key, Uint8Array.of(0, 1));
  for (const flags of [
    { limit: "0" },
    { limit: "1001" },
    { limit: "-1" },
    { limit: "1e3" },
    { pageKey: "not base64!" },
    { pageKey: "AAE" },
  ]) {
    const error = t.throws(
      () => pagination({ ...flags, countTotal: false }),
      undefined,
      JSON.stringify(flags),
    );
    t.is((error as { code?: string }).code, "invalid_flag");
  }
});

test("poa's paged queries use the shared check: --limit 0 and a bad --page-key are refused", async (t) => {
  // No node listens on port 1: the refusal comes before any request.
  const node = ["--node", "tcp://127.0.0.1:1"];
  for (const args of [
    ["query", "poa", "votes", "1", "--limit", "0"],
    ["query", "poa", "evidence", "--limit", "0"],
    ["query", "poa", "proposals", "--limit", "0"],
    ["query", "poa", "evidence", "--page-key", "%%"],
    ["query", "meter", "conflicts", "--limit", "0"],
    ["query", "escrow", "by-device", "D035_0001", "--limit", "0"],
  ]) {
    const result = await runCli([...args, ...node]);
    t.is(result.code, 1, args.join(" "));
    t.regex(result.stderr, /--limit must be 1 to 1000|--page-key must be the base64/, args.join(" "));
  }
});
