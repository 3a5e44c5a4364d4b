// What every command shares: the global flags (--home, --output, --keyring-backend,
// --keyring-passphrase), the client config defaults and the keyring they select.
import type { Command } from "commander";
import {
  type ClientConfig,
  type HomePaths,
  homePaths,
  loadClientConfig,
  type OutputFormat,
  resolveHome,
} from "../config.ts";
import { Keyring, type KeyringBackend, KeyringError } from "../crypto/keyring.ts";
import { CliError } from "./errors.ts";
import { parseOutputFormat } from "./output.ts";
import { promptLine, stdinIsTerminal } from "./prompt.ts";

export const PASSPHRASE_ENV = "SENSORCHAIN_KEYRING_PASSPHRASE";

export interface GlobalOptions {
  home?: string;
  output?: string;
  keyringBackend?: string;
  keyringPassphrase?: string;
}

export interface CommandContext {
  paths: HomePaths;
  client: ClientConfig;
  output: OutputFormat;
  keyringBackend: KeyringBackend;
  /** Opens the keyring chosen by --keyring-backend (or client.toml), asking for a passphrase only when needed. */
  keyring(): Keyring;
}

export function commandContext(command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const paths = homePaths(resolveHome(options.home));
  const client = loadClientConfig(paths.clientConfigFile);
  const output = parseOutputFormat(options.output, client.output);
  const backend = parseBackend(options.keyringBackend, client.keyringBackend);
  return {
    paths,
    client,
    output,
    keyringBackend: backend,
    keyring: () => {
      return new Keyring({
        backend,
        dir: backend === "test" ? paths.keyringTestDir : paths.keyringFileDir,
        passphrase: passphraseSource(options.keyringPassphrase),
      });
    },
  };
}

function parseBackend(text: string | undefined, fallback: KeyringBackend): KeyringBackend {
  if (text === undefined) return fallback;
  if (text !== "file" && text !== "test") {
    throw new CliError("invalid_flag", `--keyring-backend must be file or test, got ${JSON.stringify(text)}`);
  }
  return text;
}

/** --keyring-passphrase, then $SENSORCHAIN_KEYRING_PASSPHRASE, then a hidden prompt on the terminal. */
export function passphraseSource(
  flag: string | undefined,
): (request: { confirm: boolean }) => Promise<string> {
  return async ({ confirm }) => {
    if (flag !== undefined) return flag;
    const fromEnv = process.env[PASSPHRASE_ENV];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    if (!stdinIsTerminal()) {
      throw new KeyringError(
        "no_passphrase",
        `the file keyring needs a passphrase: pass --keyring-passphrase, set ${PASSPHRASE_ENV}, or run in a terminal`,
      );
    }
    const passphrase = await promptLine(
      confirm ? "Choose a keyring passphrase: " : "Keyring passphrase: ",
      true,
    );
    if (confirm) {
      const again = await promptLine("Repeat the passphrase: ", true);
      if (again !== passphrase) throw new KeyringError("wrong_passphrase", "the passphrases do not match");
    }
    return passphrase;
  };
}
