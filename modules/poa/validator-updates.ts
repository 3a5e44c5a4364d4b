// EndBlock's validator updates: the queue of passed changes and jailings drained into CometBFT
// validator updates, never more than a third of the total power a block (README.md, EndBlock:
// validator updates).
import type { ValidatorUpdate } from "../../chain/app/abci.ts";
import type { Context } from "../../chain/app/module.ts";
import { ed25519Address } from "../../chain/crypto/ed25519.ts";
import { bytesEqual, toHex } from "../../chain/crypto/hash.ts";
import type { QueuedChange, Validator } from "./codec.ts";
import {
  addressOfOperator,
  deleteQueued,
  deleteValidator,
  getValidator,
  loadQueue,
  loadValidators,
  saveValidator,
} from "./state.ts";
import { EVENT_CHANGE_DEFERRED, EVENT_CHANGE_DROPPED, EVENT_VALIDATOR_UPDATED } from "./type-urls.ts";

/**
 * EndBlock, second: drains the queue into validator updates. In order (jailings, then passed
 * proposals by sequence), each change applies whole while the block's changes stay within
 * floor(total / 3) of power (at least 1); the first that does not fit waits for a later block,
 * unless nothing changed yet in this block: then it moves as far as the budget allows, so a
 * change larger than a third still completes over several blocks. One update per key a block
 * (CometBFT refuses duplicates).
 */
export async function applyQueue(ctx: Context): Promise<ValidatorUpdate[]> {
  const queue = await loadQueue(ctx);
  if (queue.length === 0) return [];
  const validators = loadValidators(ctx);
  let consensusTotal = validators.reduce((sum, v) => sum + v.power, 0n);
  const budget = consensusTotal / 3n > 0n ? consensusTotal / 3n : 1n;
  let used = 0n;
  const touched = new Set<string>();
  const updates: ValidatorUpdate[] = [];
  for (const queued of queue) {
    const { change } = queued;
    const address = ed25519Address(change.pubKey);
    const name = toHex(address).toUpperCase();
    if (touched.has(name)) {
      emitDeferred(ctx, queued, "validator already changed in this block");
      break;
    }
    const current = getValidator(ctx, address);
    const currentPower = current?.power ?? 0n;
    const target = queued.jail || change.kind === "remove" ? 0n : change.power;
    const dropped = dropReason(ctx, queued, current, consensusTotal - currentPower + target);
    if (dropped !== undefined) {
      deleteQueued(ctx, queued);
      ctx.events.emit(EVENT_CHANGE_DROPPED, {
        sequence: queued.sequence.toString(),
        proposal_id: queued.proposalId.toString(),
        consensus_address: name,
        reason: dropped,
      });
      continue;
    }
    const delta = target > currentPower ? target - currentPower : currentPower - target;
    let power = target;
    if (delta > budget - used) {
      if (used > 0n) {
        emitDeferred(ctx, queued, "the block's power budget is spent");
        break;
      }
      power = target > currentPower ? currentPower + budget : currentPower - budget;
    }
    const applied = power > currentPower ? power - currentPower : currentPower - power;
    used += applied;
    consensusTotal += power - currentPower;
    touched.add(name);
    applyStep(ctx, queued, current, power);
    if (power !== currentPower) updates.push({ pubKey: change.pubKey, power });
    ctx.events.emit(EVENT_VALIDATOR_UPDATED, {
      consensus_address: name,
      power: power.toString(),
      previous_power: currentPower.toString(),
      target_power: target.toString(),
      kind: queued.jail ? "jail" : change.kind,
      proposal_id: queued.proposalId.toString(),
    });
    if (power !== target) {
      emitDeferred(ctx, queued, `moved ${applied} of ${delta}: more than a third of the power`);
      break;
    }
    deleteQueued(ctx, queued);
  }
  return updates;
}

function emitDeferred(ctx: Context, queued: QueuedChange, reason: string): void {
  ctx.events.emit(EVENT_CHANGE_DEFERRED, {
    sequence: queued.sequence.toString(),
    proposal_id: queued.proposalId.toString(),
    reason,
  });
}

/** Why a queued change cannot apply any more (two queued changes of one key or operator), if so. */
function dropReason(
  ctx: Context,
  queued: QueuedChange,
  current: Validator | undefined,
  totalAfter: bigint,
): string | undefined {
  const { change } = queued;
  if ((queued.jail || change.kind !== "add") && current === undefined) return "validator not found";
  if (change.operator !== "") {
    const holder = addressOfOperator(ctx, change.operator);
    if (holder !== undefined && !bytesEqual(holder, ed25519Address(change.pubKey)))
      return `operator ${change.operator} operates another validator`;
  }
  if (totalAfter === 0n) return "the set would be empty";
  return undefined;
}

/** Writes the validator after one step of `queued` brought it to `power`. */
function applyStep(ctx: Context, queued: QueuedChange, current: Validator | undefined, power: bigint): void {
  const { change } = queued;
  if (queued.jail || change.kind === "remove") {
    if (current === undefined) return;
    if (power === 0n && change.kind === "remove" && !queued.jail) deleteValidator(ctx, current);
    else saveValidator(ctx, { ...current, power });
    return;
  }
  // add / reweight: the first step (re-)admits a jailed validator and applies the new metadata.
  const readmitted = current === undefined || current.jailed;
  const validator: Validator = {
    pubKey: change.pubKey,
    power,
    operator: change.operator || current?.operator || "",
    moniker: change.moniker || current?.moniker || "",
    nodeId: change.nodeId || current?.nodeId || "",
    jailed: false,
    admissionHeight: readmitted ? ctx.height : (current?.admissionHeight ?? ctx.height),
  };
  saveValidator(ctx, validator, current?.operator);
}
