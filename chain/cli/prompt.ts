// Terminal input: hidden passphrase prompts, yes/no confirmations and bounded stdin reads.
import { CliError } from "./errors.ts";

/** A mnemonic or a key file is far below this; the bound stops `cat bigfile |` from filling memory. */
const MAX_STDIN_BYTES = 64 * 1024;
/** Longest line a prompt accepts. */
const MAX_PROMPT_LENGTH = 1024;

export function stdinIsTerminal(): boolean {
  return process.stdin.isTTY === true;
}

/** Reads a line from the terminal, echoing nothing when `hidden` (passphrases). */
export function promptLine(question: string, hidden: boolean): Promise<string> {
  const input = process.stdin;
  if (!stdinIsTerminal())
    return Promise.reject(new CliError("no_terminal", "cannot prompt: stdin is not a terminal"));
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let line = "";
    input.setRawMode(true);
    input.resume();
    input.setEncoding("utf8");
    const finish = (error?: Error): void => {
      input.setRawMode(false);
      input.pause();
      input.off("data", onData);
      process.stderr.write("\n");
      if (error === undefined) resolve(line);
      else reject(error);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") {
          finish();
          return;
        }
        if (char === "\u0003") {
          finish(new CliError("interrupted", "interrupted"));
          return;
        }
        if (char === "\u007f" || char === "\b") {
          if (line.length > 0) {
            line = line.slice(0, -1);
            if (!hidden) process.stderr.write("\b \b");
          }
          continue;
        }
        if (line.length >= MAX_PROMPT_LENGTH) {
          finish(new CliError("input_too_long", "input too long"));
          return;
        }
        line += char;
        if (!hidden) process.stderr.write(char);
      }
    };
    input.on("data", onData);
  });
}

/** Asks y/N on the terminal; without a terminal, refuses unless the caller passed --yes. */
export async function confirm(question: string): Promise<boolean> {
  if (!stdinIsTerminal()) {
    throw new CliError(
      "confirmation_needed",
      `${question.trim()} — stdin is not a terminal: pass --yes to confirm`,
    );
  }
  const answer = (await promptLine(`${question} [y/N]: `, false)).trim().toLowerCase();
  return answer === "y" || answer === "yes";
}

/** Reads all of stdin (a pipe or a file), bounded. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    if (total > MAX_STDIN_BYTES) throw new CliError("input_too_long", "stdin is larger than 64 KiB");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
