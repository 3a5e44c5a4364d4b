// Gas accounting (Cosmos SDK store/types/gas.go): a meter per tx with a limit, and a KVStore view
// that charges KV_GAS for every access, so gas depends only on what a tx reads and writes.
import type { IterateRange, KVStore } from "../store/types.ts";
import { KV_GAS } from "../store/types.ts";
import { AbciError, SDK_CODESPACE, SdkCode } from "./errors.ts";

/** Gas limit of block-level contexts (genesis, begin/end block, queries): effectively unlimited. */
export const INFINITE_GAS = 2n ** 64n - 1n;

export class OutOfGasError extends AbciError {
  readonly location: string;
  constructor(location: string, limit: bigint, used: bigint) {
    super(
      SdkCode.outOfGas.code,
      SDK_CODESPACE,
      `out of gas in location: ${location}; gasWanted: ${limit}, gasUsed: ${used}: ${SdkCode.outOfGas.description}`,
    );
    this.location = location;
  }
}

export class GasMeter {
  readonly limit: bigint;
  /** The limit as a number when it is a safe integer (comparisons with it are exact), else Infinity:
   * a consumption still counted in numbers (≤ 2^53 - 1) is then below it. */
  readonly #limitNumber: number;
  /** Gas consumed, counted in numbers while it stays a safe integer (every store access charges gas,
   * and bigint arithmetic allocated two or three heap bigints per access), in bigint past that. */
  #consumed = 0;
  #consumedBig: bigint | undefined;

  constructor(limit: bigint) {
    this.limit = limit;
    this.#limitNumber = limit <= MAX_SAFE_GAS ? Number(limit) : Number.POSITIVE_INFINITY;
  }

  get consumed(): bigint {
    return this.#consumedBig ?? BigInt(this.#consumed);
  }

  /** Charges `amount`; past the limit the consumption is still recorded (as the SDK reports it) and OutOfGasError thrown. */
  consume(amount: bigint, location: string): void {
    if (this.#consumedBig === undefined && amount >= 0n && amount <= MAX_SAFE_GAS)
      this.consumeGas(Number(amount), location);
    else this.#consumeBig(amount, location);
  }

  /** consume() for a non-negative safe-integer amount (the store's per-access charges). */
  consumeGas(amount: number, location: string): void {
    if (this.#consumedBig !== undefined) {
      this.#consumeBig(BigInt(amount), location);
      return;
    }
    const consumed = this.#consumed + amount;
    if (consumed > Number.MAX_SAFE_INTEGER) {
      this.#consumeBig(BigInt(amount), location);
      return;
    }
    this.#consumed = consumed;
    if (consumed > this.#limitNumber) throw new OutOfGasError(location, this.limit, BigInt(consumed));
  }

  #consumeBig(amount: bigint, location: string): void {
    const consumed = (this.#consumedBig ?? BigInt(this.#consumed)) + amount;
    this.#consumedBig = consumed;
    if (consumed > this.limit) throw new OutOfGasError(location, this.limit, consumed);
  }
}

const MAX_SAFE_GAS = BigInt(Number.MAX_SAFE_INTEGER);

/** KV_GAS as numbers, for GasMeter.consumeGas. */
const HAS_COST = Number(KV_GAS.hasCost);
const READ_COST_FLAT = Number(KV_GAS.readCostFlat);
const READ_COST_PER_BYTE = Number(KV_GAS.readCostPerByte);
const WRITE_COST_FLAT = Number(KV_GAS.writeCostFlat);
const WRITE_COST_PER_BYTE = Number(KV_GAS.writeCostPerByte);
const DELETE_COST = Number(KV_GAS.deleteCost);
const ITER_NEXT_COST_FLAT = Number(KV_GAS.iterNextCostFlat);

/** Wraps a store so that every access is charged to `meter` with the SDK's KVGasConfig. */
export class GasKVStore implements KVStore {
  readonly #parent: KVStore;
  readonly #meter: GasMeter;
  constructor(parent: KVStore, meter: GasMeter) {
    this.#parent = parent;
    this.#meter = meter;
  }
  get(key: Uint8Array): Uint8Array | undefined {
    this.#meter.consumeGas(READ_COST_FLAT, "ReadFlat");
    const value = this.#parent.get(key);
    this.#meter.consumeGas(READ_COST_PER_BYTE * (key.length + (value?.length ?? 0)), "ReadPerByte");
    return value;
  }
  has(key: Uint8Array): boolean {
    this.#meter.consumeGas(HAS_COST, "Has");
    return this.#parent.has(key);
  }
  set(key: Uint8Array, value: Uint8Array): void {
    this.#meter.consumeGas(WRITE_COST_FLAT, "WriteFlat");
    this.#meter.consumeGas(WRITE_COST_PER_BYTE * (key.length + value.length), "WritePerByte");
    this.#parent.set(key, value);
  }
  setOwned(key: Uint8Array, value: Uint8Array): void {
    this.#meter.consumeGas(WRITE_COST_FLAT, "WriteFlat");
    this.#meter.consumeGas(WRITE_COST_PER_BYTE * (key.length + value.length), "WritePerByte");
    const parent = this.#parent;
    if (parent.setOwned === undefined) parent.set(key, value);
    else parent.setOwned(key, value);
  }
  delete(key: Uint8Array): void {
    this.#meter.consumeGas(DELETE_COST, "Delete");
    this.#parent.delete(key);
  }
  async *iterate(range?: IterateRange): AsyncIterable<[Uint8Array, Uint8Array]> {
    for await (const [key, value] of this.#parent.iterate(range)) {
      this.#meter.consumeGas(ITER_NEXT_COST_FLAT, "IterNextFlat");
      this.#meter.consumeGas(READ_COST_PER_BYTE * (key.length + value.length), "ValuePerByte");
      yield [key, value];
    }
  }
}
