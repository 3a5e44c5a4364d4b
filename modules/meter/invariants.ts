// Invariants of the meter module: every stored hash is sha256 of its body, every backer of a
// candidate has its vote stored, and a conflict marker exists exactly for device-days with two or
// more candidates.
import type { Context, Invariant } from "../../chain/app/module.ts";
import { bytesEqual, toHex } from "../../chain/crypto/hash.ts";
import { commitmentHash } from "./codec.ts";
import type { MeterKeeper } from "./keeper.ts";

export function meterInvariants(keeper: MeterKeeper): Invariant[] {
  return [
    {
      name: "records",
      async check(ctx: Context) {
        for await (const commitment of keeper.iterateCommitments(ctx))
          if (!bytesEqual(commitmentHash(commitment.body), commitment.hash))
            return `commitment ${commitment.body.deviceId}/${commitment.body.day}: hash differs from its body`;
        const perDay = new Map<string, { deviceId: string; day: bigint; count: number }>();
        for await (const candidate of keeper.iterateCandidates(ctx)) {
          const { deviceId, day } = candidate.body;
          if (!bytesEqual(commitmentHash(candidate.body), candidate.hash))
            return `candidate ${toHex(candidate.hash)}: hash differs from its body`;
          for (const attester of candidate.attesters) {
            const vote = keeper.voteOf(ctx, deviceId, day, attester);
            if (vote === undefined || !bytesEqual(vote, candidate.hash))
              return `${attester} backs candidate ${toHex(candidate.hash)} without a matching vote`;
          }
          const key = `${deviceId}/${day}`;
          const entry = perDay.get(key) ?? { deviceId, day, count: 0 };
          entry.count += 1;
          perDay.set(key, entry);
        }
        for (const entry of perDay.values())
          if (keeper.hasConflictMarker(ctx, entry.deviceId, entry.day) !== entry.count > 1)
            return `conflict marker of ${entry.deviceId}/${entry.day} disagrees with ${entry.count} candidates`;
        return undefined;
      },
    },
  ];
}
