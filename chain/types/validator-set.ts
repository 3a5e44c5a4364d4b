// Validator sets (types/validator_set.go): canonical order, total power, hash and lookup. Proposer
// selection (weighted round robin) belongs to consensus and is not here.
import { BinaryWriter } from "cosmjs-types/binary";
import type { Validator } from "./block.ts";
import { compareBytes, sha256, toHex } from "./bytes.ts";
import { ValidatorSetError } from "./errors.ts";
import { hashFromByteSlices } from "./merkle.ts";

/** types.MaxTotalVotingPower: int64 max / 8, so priority arithmetic in consensus never overflows. */
export const MAX_TOTAL_VOTING_POWER = (2n ** 63n - 1n) / 8n;
export const ED25519_PUBLIC_KEY_BYTES = 32;
/** crypto.AddressSize. */
export const VALIDATOR_ADDRESS_BYTES = 20;

/** crypto.Address of an ed25519 key: the first 20 bytes of sha256(public key). */
export function validatorAddress(pubKey: Uint8Array): Uint8Array {
  return sha256(pubKey).subarray(0, VALIDATOR_ADDRESS_BYTES);
}

/** Set order: voting power descending, then address ascending (ValidatorsByVotingPower). */
export function compareValidators(a: Validator, b: Validator): number {
  if (a.votingPower !== b.votingPower) return a.votingPower > b.votingPower ? -1 : 1;
  return compareBytes(a.address, b.address);
}

/** SimpleValidator{pub_key=1 PublicKey{ed25519=1}, voting_power=2}: the bytes the set hash covers. */
export function encodeSimpleValidator(validator: Validator): Uint8Array {
  const writer = BinaryWriter.create();
  writer.uint32(10).fork().uint32(10).bytes(validator.pubKey).ldelim();
  if (validator.votingPower !== 0n) writer.uint32(16).int64(validator.votingPower);
  return writer.finish();
}

/** ValidatorSet.Hash over validators already in set order. */
export function validatorSetHash(validators: readonly Validator[]): Uint8Array {
  return hashFromByteSlices(validators.map(encodeSimpleValidator));
}

/** An immutable, validated validator set in canonical order. */
export class ValidatorSet {
  readonly validators: readonly Validator[];
  readonly #indexByAddress: Map<string, number>;
  readonly #totalVotingPower: bigint;
  #hash: Uint8Array | undefined;

  /** Sorts a copy of `validators` into set order and checks keys, addresses, powers and duplicates. */
  constructor(validators: readonly Validator[]) {
    const sorted = [...validators].sort(compareValidators);
    const indexByAddress = new Map<string, number>();
    let total = 0n;
    sorted.forEach((validator, index) => {
      if (validator.pubKey.length !== ED25519_PUBLIC_KEY_BYTES)
        throw new ValidatorSetError(`validator ${index}: ed25519 public key must be 32 bytes`);
      const address = toHex(validator.address);
      if (address !== toHex(validatorAddress(validator.pubKey)))
        throw new ValidatorSetError(`validator ${address}: address is not sha256(pub_key)[:20]`);
      if (validator.votingPower <= 0n)
        throw new ValidatorSetError(`validator ${address}: voting power must be positive`);
      if (indexByAddress.has(address)) throw new ValidatorSetError(`validator ${address} appears twice`);
      indexByAddress.set(address, index);
      total += validator.votingPower;
    });
    if (total > MAX_TOTAL_VOTING_POWER)
      throw new ValidatorSetError(`total voting power ${total} exceeds ${MAX_TOTAL_VOTING_POWER}`);
    this.validators = Object.freeze(sorted);
    this.#indexByAddress = indexByAddress;
    this.#totalVotingPower = total;
  }

  /** Builds a set from public keys and powers, deriving addresses. */
  static fromPubKeys(entries: readonly { pubKey: Uint8Array; votingPower: bigint }[]): ValidatorSet {
    return new ValidatorSet(
      entries.map((entry) => ({
        address: validatorAddress(entry.pubKey),
        pubKey: entry.pubKey,
        votingPower: entry.votingPower,
        proposerPriority: 0n,
      })),
    );
  }

  get size(): number {
    return this.validators.length;
  }

  totalVotingPower(): bigint {
    return this.#totalVotingPower;
  }

  hash(): Uint8Array {
    this.#hash ??= validatorSetHash(this.validators);
    return this.#hash;
  }

  getByAddress(address: Uint8Array): { index: number; validator: Validator } | undefined {
    const index = this.#indexByAddress.get(toHex(address));
    if (index === undefined) return undefined;
    return { index, validator: this.validators[index]! };
  }

  hasAddress(address: Uint8Array): boolean {
    return this.#indexByAddress.has(toHex(address));
  }
}

/** The block executor's name for validatorSetHash. */
export const hashValidatorSet = validatorSetHash;
