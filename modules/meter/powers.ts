// Validator powers at a query's height, read from the poa store's documented layout (modules/poa
// README: set index 0x09, records 0x01 ‖ address) because queries see stores, not keepers. The same
// filter as ValidatorOperators.operators: not jailed, power > 0.
import type { QueryContext } from "../../chain/app/module.ts";
import { validatorCodec } from "../poa/codec.ts";
import {
  CONSENSUS_ADDRESS_BYTES,
  STORE_NAME as POA_STORE,
  VALIDATOR_SET_KEY,
  validatorKey,
} from "../poa/keys.ts";

export async function poaPowers(
  ctx: QueryContext,
): Promise<{ total: bigint; byOperator: Map<string, bigint> }> {
  const byOperator = new Map<string, bigint>();
  let total = 0n;
  const store = ctx.store(POA_STORE);
  const set = await store.get(VALIDATOR_SET_KEY);
  if (set === undefined) return { total, byOperator };
  for (let offset = 0; offset < set.length; offset += CONSENSUS_ADDRESS_BYTES) {
    const bytes = await store.get(validatorKey(set.subarray(offset, offset + CONSENSUS_ADDRESS_BYTES)));
    if (bytes === undefined) continue;
    const validator = validatorCodec.decode(bytes);
    if (validator.jailed || validator.power <= 0n) continue;
    byOperator.set(validator.operator, validator.power);
    total += validator.power;
  }
  return { total, byOperator };
}
