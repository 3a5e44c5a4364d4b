// Cosmos SDK error registry (types/errors/errors.go) as typed errors. The code and codespace are
// what clients match on; the log is "<detail>: <description>" exactly as the SDK's errors.Wrap
// formats it, so logs read the same as on a Go chain.

/** Codespace of the SDK's root errors; modules register their own codespace for theirs. */
export const SDK_CODESPACE = "sdk";

/** Root error codes and descriptions (cosmos-sdk types/errors). */
export const SdkCode = {
  internal: { code: 1, description: "internal" },
  txDecode: { code: 2, description: "tx parse error" },
  unauthorized: { code: 4, description: "unauthorized" },
  insufficientFunds: { code: 5, description: "insufficient funds" },
  unknownRequest: { code: 6, description: "unknown request" },
  invalidAddress: { code: 7, description: "invalid address" },
  invalidPubKey: { code: 8, description: "invalid pubkey" },
  unknownAddress: { code: 9, description: "unknown address" },
  invalidCoins: { code: 10, description: "invalid coins" },
  outOfGas: { code: 11, description: "out of gas" },
  memoTooLarge: { code: 12, description: "memo too large" },
  insufficientFee: { code: 13, description: "insufficient fee" },
  tooManySignatures: { code: 14, description: "maximum number of signatures exceeded" },
  noSignatures: { code: 15, description: "no signatures supplied" },
  invalidRequest: { code: 18, description: "invalid request" },
  txTooLarge: { code: 21, description: "tx too large" },
  invalidHeight: { code: 26, description: "invalid height" },
  invalidChainId: { code: 28, description: "invalid chain-id" },
  invalidType: { code: 29, description: "invalid type" },
  txTimeoutHeight: { code: 30, description: "tx timeout height" },
  unknownExtensionOptions: { code: 31, description: "unknown extension options" },
  wrongSequence: { code: 32, description: "incorrect account sequence" },
  notSupported: { code: 37, description: "feature not supported" },
  notFound: { code: 38, description: "not found" },
  invalidGasLimit: { code: 41, description: "invalid gas limit" },
} as const;
export type SdkCodeName = keyof typeof SdkCode;

/** An operating error that becomes an ABCI response (code, codespace, log). */
export class AbciError extends Error {
  readonly code: number;
  readonly codespace: string;
  constructor(code: number, codespace: string, log: string) {
    super(log);
    this.code = code;
    this.codespace = codespace;
  }
  get log(): string {
    return this.message;
  }
}

/** `detail: description` in codespace sdk, e.g. sdkError("insufficientFunds", "5usensor is smaller than 9usensor"). */
export function sdkError(name: SdkCodeName, detail?: string): AbciError {
  const { code, description } = SdkCode[name];
  return new AbciError(code, SDK_CODESPACE, detail === undefined ? description : `${detail}: ${description}`);
}

/** Prefixes more context to an error, keeping code and codespace (the SDK's errors.Wrapf). */
export function wrapError(error: AbciError, context: string): AbciError {
  return new AbciError(error.code, error.codespace, `${context}: ${error.log}`);
}

/** A module's own error registry entry, e.g. bank's "send transactions are disabled" (bank 4). */
export function moduleError(
  codespace: string,
  code: number,
  description: string,
  detail?: string,
): AbciError {
  return new AbciError(code, codespace, detail === undefined ? description : `${detail}: ${description}`);
}

/** Anything thrown that is not an AbciError is a bug; it still becomes a response, never a crash of consensus. */
export function toAbciError(error: unknown): AbciError {
  if (error instanceof AbciError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return sdkError("internal", text);
}

/** A genesis file that cannot be imported; the node refuses to start with it. */
export class GenesisError extends Error {
  readonly code = "invalid_genesis";
}
