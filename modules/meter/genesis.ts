// app_state.meter: sensorchain.meter.v1.GenesisState in proto3 JSON (snake_case names, bytes base64,
// 64-bit integers as strings). Import checks every record (bodies as validateBasic does, hashes
// recomputed, one vote per operator per device-day) and rebuilds votes and conflict markers.
import type { Context } from "../../chain/app/module.ts";
import { bytesEqual } from "../../chain/crypto/hash.ts";
import { type GenesisMessageType, genesisChecks, type Json, messageToGenesisJson } from "../genesis-json.ts";
import {
  type Candidate,
  type Commitment,
  candidateFromProto,
  candidateToProto,
  commitmentFromProto,
  commitmentHash,
  commitmentToProto,
  pb,
} from "./codec.ts";
import type { MeterKeeper } from "./keeper.ts";
import { checkAddress, checkBody } from "./validation.ts";

export interface MeterGenesis {
  commitments: Commitment[];
  candidates: Candidate[];
}

export const defaultMeterGenesis = (): Json => ({ commitments: [], candidates: [] });

const { fail, at, decode } = genesisChecks("meter");

function checkRecord(
  record: { body: Commitment["body"]; hash: Uint8Array; submitter: string; attesters: string[] },
  field: string,
  message: { body?: unknown },
): void {
  at(`${field}.body`, () => checkBody(message.body as never));
  if (!bytesEqual(commitmentHash(record.body), record.hash)) fail(`${field}: hash is not sha256 of the body`);
  at(`${field}.submitter`, () => checkAddress(record.submitter, "submitter"));
  if (record.attesters[0] !== record.submitter) fail(`${field}: the submitter must be the first attester`);
  if (new Set(record.attesters).size !== record.attesters.length) fail(`${field}: duplicate attester`);
  for (const [i, a] of record.attesters.entries())
    at(`${field}.attesters[${i}]`, () => checkAddress(a, "attester"));
}

export function parseMeterGenesis(value: unknown): MeterGenesis {
  const message = decode(value, pb.GenesisState);
  const finals = new Set<string>();
  const commitments = message.commitments.map((item, i) => {
    const commitment = commitmentFromProto(item);
    checkRecord(commitment, `commitments[${i}]`, item);
    const key = `${commitment.body.deviceId}/${commitment.body.day}`;
    if (finals.has(key)) fail(`commitments[${i}]: duplicate ${key}`);
    finals.add(key);
    return commitment;
  });
  const voters = new Set<string>();
  const hashes = new Set<string>();
  const candidates = message.candidates.map((item, i) => {
    const candidate = candidateFromProto(item);
    checkRecord(candidate, `candidates[${i}]`, item);
    const day = `${candidate.body.deviceId}/${candidate.body.day}`;
    const hash = `${day}/${Buffer.from(candidate.hash).toString("hex")}`;
    if (hashes.has(hash)) fail(`candidates[${i}]: duplicate candidate ${hash}`);
    hashes.add(hash);
    for (const attester of candidate.attesters) {
      if (voters.has(`${day}/${attester}`))
        fail(`candidates[${i}]: ${attester} backs two candidates of ${day}`);
      voters.add(`${day}/${attester}`);
    }
    return candidate;
  });
  return { commitments, candidates };
}

export async function initMeterGenesis(
  ctx: Context,
  keeper: MeterKeeper,
  genesis: MeterGenesis,
): Promise<void> {
  for (const commitment of genesis.commitments) keeper.importCommitment(ctx, commitment);
  const perDay = new Map<string, { deviceId: string; day: bigint; count: number }>();
  for (const candidate of genesis.candidates) {
    keeper.importCandidate(ctx, candidate);
    const key = `${candidate.body.deviceId}/${candidate.body.day}`;
    const entry = perDay.get(key) ?? { deviceId: candidate.body.deviceId, day: candidate.body.day, count: 0 };
    entry.count += 1;
    perDay.set(key, entry);
  }
  for (const entry of perDay.values())
    if (entry.count > 1) keeper.markConflict(ctx, entry.deviceId, entry.day);
}

const asJson = <T>(type: GenesisMessageType<T>, object: object) =>
  messageToGenesisJson(type, object, { longs: String, bytes: String });

export async function exportMeterGenesis(ctx: Context, keeper: MeterKeeper): Promise<Json> {
  const commitments: unknown[] = [];
  for await (const commitment of keeper.iterateCommitments(ctx))
    commitments.push(asJson(pb.Commitment, commitmentToProto(commitment)));
  const candidates: unknown[] = [];
  for await (const candidate of keeper.iterateCandidates(ctx))
    candidates.push(asJson(pb.Candidate, candidateToProto(candidate)));
  return { commitments, candidates };
}
