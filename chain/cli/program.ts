// The `sensorchain` command tree (commander): global flags and the verbs of each cli/*.ts file.
//
// Every invocation is a fresh process, and importing every verb's file costs more than most verbs
// take to run (all of them: ~1,400 modules, libp2p, the store and cosmjs among them; `keys`
// alone: under 100). So only the files that add the verbs named on the command line are
// imported; help without a verb, an unknown verb and anything this table cannot place load all.
import { Command } from "commander";
import { PASSPHRASE_ENV } from "./context.ts";

export const CLI_VERSION = "0.1.0";

type Register = (program: Command) => void;

interface VerbFile {
  name: string;
  /** The command paths the file adds: a top-level verb, or a verb under another file's verb. */
  paths: readonly (readonly string[])[];
  /** Files whose verbs this one adds to (its register function looks them up). */
  needs?: readonly string[];
  load: () => Promise<Register>;
}

/** A module's file: `tx <module> …` and `query <module> …`. */
function moduleFile(name: string, load: () => Promise<Register>): VerbFile {
  return {
    name,
    paths: [
      ["tx", name],
      ["query", name],
    ],
    needs: ["tx", "query"],
    load,
  };
}

/** In registration order (a file comes after those it needs). Paths list each verb another file
 * adds to with its own subverbs, so `genesis add-account` does not load identity's file. */
const VERB_FILES: readonly VerbFile[] = [
  { name: "init", paths: [["init"]], load: async () => (await import("./init.ts")).registerInit },
  { name: "start", paths: [["start"]], load: async () => (await import("./start.ts")).registerStart },
  {
    name: "genesis",
    paths: [["genesis"], ["genesis", "add-account"], ["genesis", "validate"]],
    load: async () => (await import("./genesis.ts")).registerGenesis,
  },
  { name: "keys", paths: [["keys"]], load: async () => (await import("./keys.ts")).registerKeys },
  { name: "tx", paths: [["tx"], ["tx", "bank"]], load: async () => (await import("./tx.ts")).registerTx },
  {
    name: "tx-offline",
    paths: [
      ["tx", "sign"],
      ["tx", "broadcast"],
      ["tx", "encode"],
      ["tx", "decode"],
    ],
    needs: ["tx"],
    load: async () => (await import("./tx-offline.ts")).registerOfflineTx,
  },
  {
    name: "query",
    paths: [
      ["query"],
      ["status"],
      ["query", "bank"],
      ["query", "auth"],
      ["query", "block"],
      ["query", "tx"],
      ["query", "txs"],
    ],
    load: async () => (await import("./query.ts")).registerQuery,
  },
  moduleFile("device", async () => (await import("./device.ts")).registerDevice),
  moduleFile("poa", async () => (await import("./poa.ts")).registerPoa),
  moduleFile("escrow", async () => (await import("./escrow.ts")).registerEscrow),
  moduleFile("meter", async () => (await import("./meter.ts")).registerMeter),
  {
    name: "identity",
    paths: [["tx", "identity"], ["query", "identity"], ["identity"], ["genesis", "add-identity-operator"]],
    needs: ["genesis", "tx", "query"],
    load: async () => (await import("./identity.ts")).registerIdentity,
  },
  moduleFile("market", async () => (await import("./market.ts")).registerMarket),
  { name: "light", paths: [["light"]], load: async () => (await import("./light.ts")).registerLight },
  { name: "replay", paths: [["replay"]], load: async () => (await import("./replay.ts")).registerReplay },
  { name: "export", paths: [["export"]], load: async () => (await import("./export.ts")).registerExport },
  { name: "audit", paths: [["audit"]], load: async () => (await import("./audit.ts")).registerAudit },
];

/** Words that name another verb: `q` is `query`. */
const ALIASES = new Map([["q", "query"]]);

/** How many leading verbs decide which files load (`tx device …`). */
const ROUTING_DEPTH = 2;

function baseProgram(): Command {
  return new Command("sensorchain")
    .description("sensorchain node and client: a proof-of-authority appchain for IoT sensor data")
    .version(CLI_VERSION)
    .option("--home <dir>", "node home folder (default: $SENSORCHAIN_HOME, else ~/.sensorchain)")
    .option("-o, --output <format>", "output format: json or text (default from client.toml: json)")
    .option("--keyring-backend <backend>", "file (encrypted, default) or test (unencrypted, development)")
    .option(
      "--keyring-passphrase <passphrase>",
      `file keyring passphrase (else $${PASSPHRASE_ENV}, else a prompt)`,
    )
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({ outputError: (text, write) => write(text) });
}

/** The first ROUTING_DEPTH words of argv that are not flags: global flags that take a value are
 * skipped with their value, and any other flag ends the search (a subcommand's flag may take a value
 * that looks like a verb). */
function leadingVerbs(program: Command, argv: readonly string[]): string[] {
  const takesValue = new Set<string>();
  for (const option of program.options)
    if (option.required || option.optional)
      for (const flag of [option.short, option.long]) if (flag !== undefined) takesValue.add(flag);
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < ROUTING_DEPTH; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) words.push(words.length === 0 ? (ALIASES.get(arg) ?? arg) : arg);
    else if (words.length === 0 && takesValue.has(arg)) i++;
    else if (words.length > 0 || arg === "--") break;
  }
  return words;
}

/** Whether `path` may be what `words` name: each word equals the path's, is absent, or names no
 * known path at that place (then commander's error or help needs every candidate). */
function mayName(path: readonly string[], words: readonly string[]): boolean {
  for (const [i, word] of words.slice(0, path.length).entries()) {
    if (word === path[i]) continue;
    const known = VERB_FILES.flatMap((file) => file.paths).some(
      (other) => other[i] === word && other.slice(0, i).every((verb, j) => verb === words[j]),
    );
    if (known) return false;
  }
  return true;
}

/** The command tree for `argv` (the words after the program name): every verb when argv is
 * undefined, else the verbs it may name. */
export async function createProgram(argv?: readonly string[]): Promise<Command> {
  const program = baseProgram();
  const words = argv === undefined ? [] : leadingVerbs(program, argv);
  const wanted = new Set<string>();
  for (const file of VERB_FILES)
    if (file.paths.some((path) => mayName(path, words)))
      for (const name of [file.name, ...(file.needs ?? [])]) wanted.add(name);
  const files = VERB_FILES.filter((file) => wanted.has(file.name));
  // One at a time: importing in parallel lets a CommonJS package require() an ES module another
  // import is still loading (ERR_REQUIRE_ESM_RACE_CONDITION, seen with @cosmjs/crypto).
  for (const file of files) (await file.load())(program);
  return program;
}
