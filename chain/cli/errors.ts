// The CLI's own operating error: bad arguments, missing files, refused confirmations. Every error a
// command throws ends the process with exit code 1 and its message on stderr (chain/cli.ts).

export class CliError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
