// Stateless checks of message fields (validateBasic) and genesis records: each returns the checked
// value as a module type or throws the module's typed error naming the field.
import { ed25519 } from "@noble/curves/ed25519.js";
import type { sensorchain } from "../../proto/gen/poa.js";
import { toBigInt } from "../proto-values.ts";
import { checkAddress } from "../validation.ts";
import { type ChangeKindName, changeKindName, type ValidatorChange } from "./codec.ts";
import { poaError } from "./errors.ts";
import {
  MAX_EXPIRY_BLOCKS,
  MAX_MONIKER_BYTES,
  MAX_NODE_ID_BYTES,
  MAX_TOTAL_VOTING_POWER,
  PUBLIC_KEY_BYTES,
} from "./keys.ts";

const utf8 = new TextEncoder();
/** C0/C1 controls and DEL: monikers are shown in CLIs, logs and explorers. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** Node ids are validated loosely (libp2p peer id or CometBFT hex id): printable ASCII, no spaces. */
const NODE_ID_PATTERN = /^[\x21-\x7e]+$/;

export { checkAddress };

/** A 32-byte ed25519 key that decodes to a point of large order (CometBFT accepts no other). */
export function checkPublicKey(key: Uint8Array | null | undefined, field = "pub_key"): Uint8Array {
  const bytes = key ?? new Uint8Array(0);
  if (bytes.length !== PUBLIC_KEY_BYTES)
    throw poaError(
      "invalidPublicKey",
      `${field} is ${bytes.length} bytes, an ed25519 key is ${PUBLIC_KEY_BYTES}`,
    );
  try {
    if (ed25519.Point.fromBytes(bytes).isSmallOrder()) throw new Error("small-order point");
  } catch (error) {
    throw poaError("invalidPublicKey", `${field} is not an ed25519 key: ${(error as Error).message}`);
  }
  return Uint8Array.from(bytes);
}

export function checkPower(power: bigint, field = "power"): bigint {
  if (power <= 0n || power > MAX_TOTAL_VOTING_POWER)
    throw poaError("invalidPower", `${field} ${power} is not in 1..${MAX_TOTAL_VOTING_POWER}`);
  return power;
}

export function checkMoniker(moniker: string | null | undefined, field = "moniker"): string {
  const text = moniker ?? "";
  if (text === "") throw poaError("invalidMoniker", `${field} is empty`);
  if (utf8.encode(text).length > MAX_MONIKER_BYTES)
    throw poaError("invalidMoniker", `${field} is longer than ${MAX_MONIKER_BYTES} bytes`);
  if (CONTROL_CHARACTERS.test(text)) throw poaError("invalidMoniker", `${field} has control characters`);
  return text;
}

export function checkNodeId(nodeId: string | null | undefined, field = "node_id"): string {
  const text = nodeId ?? "";
  if (text === "") throw poaError("invalidNodeId", `${field} is empty`);
  if (text.length > MAX_NODE_ID_BYTES)
    throw poaError("invalidNodeId", `${field} is longer than ${MAX_NODE_ID_BYTES} bytes`);
  if (!NODE_ID_PATTERN.test(text))
    throw poaError("invalidNodeId", `${field} must be printable ASCII without spaces`);
  return text;
}

export function checkExpiryBlocks(blocks: bigint): bigint {
  if (blocks < 1n || blocks > MAX_EXPIRY_BLOCKS)
    throw poaError("invalidExpiry", `expiry_blocks ${blocks} is not in 1..${MAX_EXPIRY_BLOCKS}`);
  return blocks;
}

/** The fields each kind takes (README.md, Messages): add all, remove the key only, reweight the key,
 * a power and optional new operator, moniker, node id. */
export function checkChange(fields: {
  kind: number | null | undefined;
  pubKey: Uint8Array | null | undefined;
  power: bigint;
  operator: string | null | undefined;
  moniker: string | null | undefined;
  nodeId: string | null | undefined;
}): ValidatorChange {
  const kind: ChangeKindName | undefined = changeKindName(fields.kind);
  if (kind === undefined) throw poaError("invalidChange", "kind must be add, remove or reweight");
  const pubKey = checkPublicKey(fields.pubKey);
  const operator = fields.operator ?? "";
  const moniker = fields.moniker ?? "";
  const nodeId = fields.nodeId ?? "";
  if (kind === "remove") {
    if (fields.power !== 0n || operator !== "" || moniker !== "" || nodeId !== "")
      throw poaError(
        "invalidChange",
        "a remove names the pub_key only (power, operator, moniker, node_id empty)",
      );
    return { kind, pubKey, power: 0n, operator, moniker, nodeId };
  }
  const power = checkPower(fields.power);
  if (kind === "add")
    return {
      kind,
      pubKey,
      power,
      operator: checkAddress(operator, "operator"),
      moniker: checkMoniker(moniker),
      nodeId: checkNodeId(nodeId),
    };
  return {
    kind,
    pubKey,
    power,
    operator: operator === "" ? "" : checkAddress(operator, "operator"),
    moniker: moniker === "" ? "" : checkMoniker(moniker),
    nodeId: nodeId === "" ? "" : checkNodeId(nodeId),
  };
}

export function changeFromMessage(
  message: sensorchain.poa.v1.IValidatorChange | null | undefined,
): ValidatorChange {
  return checkChange({
    kind: message?.kind,
    pubKey: message?.pubKey,
    power: toBigInt(message?.power),
    operator: message?.operator,
    moniker: message?.moniker,
    nodeId: message?.nodeId,
  });
}
