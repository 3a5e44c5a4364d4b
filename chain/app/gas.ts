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
  #consumed = 0n;
  constructor(limit: bigint) {
    this.limit = limit;
  }
  get consumed(): bigint {
    return this.#consumed;
  }
  /** Charges `amount`; past the limit the consumption is still recorded (as the SDK reports it) and OutOfGasError thrown. */
  consume(amount: bigint, location: string): void {
    this.#consumed += amount;
    if (this.#consumed > this.limit) throw new OutOfGasError(location, this.limit, this.#consumed);
  }
}

/** Wraps a store so that every access is charged to `meter` with the SDK's KVGasConfig. */
export class GasKVStore implements KVStore {
  readonly #parent: KVStore;
  readonly #meter: GasMeter;
  constructor(parent: KVStore, meter: GasMeter) {
    this.#parent = parent;
    this.#meter = meter;
  }
  get(key: Uint8Array): Uint8Array | undefined {
    this.#meter.consume(KV_GAS.readCostFlat, "ReadFlat");
    const value = this.#parent.get(key);
    this.#meter.consume(KV_GAS.readCostPerByte * BigInt(key.length + (value?.length ?? 0)), "ReadPerByte");
    return value;
  }
  has(key: Uint8Array): boolean {
    this.#meter.consume(KV_GAS.hasCost, "Has");
    return this.#parent.has(key);
  }
  set(key: Uint8Array, value: Uint8Array): void {
    this.#meter.consume(KV_GAS.writeCostFlat, "WriteFlat");
    this.#meter.consume(KV_GAS.writeCostPerByte * BigInt(key.length + value.length), "WritePerByte");
    this.#parent.set(key, value);
  }
  delete(key: Uint8Array): void {
    this.#meter.consume(KV_GAS.deleteCost, "Delete");
    this.#parent.delete(key);
  }
  async *iterate(range?: IterateRange): AsyncIterable<[Uint8Array, Uint8Array]> {
    for await (const [key, value] of this.#parent.iterate(range)) {
      this.#meter.consume(KV_GAS.iterNextCostFlat, "IterNextFlat");
      this.#meter.consume(KV_GAS.readCostPerByte * BigInt(key.length + value.length), "ValuePerByte");
      yield [key, value];
    }
  }
}
