// Invariants of the device module: the counters and indexes agree with the device records.
import type { Invariant } from "../../chain/app/module.ts";
import type { DeviceCounts } from "./codec.ts";
import type { DeviceKeeper } from "./keeper.ts";
import { INDEX_MARKER, ownerIndexKey, STORE_NAME, sectorOf, sharedIndexKey } from "./keys.ts";

function countsText(counts: DeviceCounts): string {
  return `total ${counts.total} active ${counts.active} retired ${counts.retired} shared ${counts.shared}`;
}

export function deviceInvariants(keeper: DeviceKeeper): Invariant[] {
  return [
    {
      name: "counts-and-indexes",
      async check(ctx) {
        const zero = (): DeviceCounts => ({ total: 0n, active: 0n, retired: 0n, shared: 0n });
        const total = zero();
        const bySector = new Map<string, DeviceCounts>();
        const store = ctx.store(STORE_NAME);
        for await (const device of keeper.iterateDevices(ctx)) {
          const sector = bySector.get(sectorOf(device.id)) ?? zero();
          bySector.set(sectorOf(device.id), sector);
          for (const counts of [total, sector]) {
            counts.total += 1n;
            counts[device.status] += 1n;
            if (device.shared) counts.shared += 1n;
          }
          if (store.get(ownerIndexKey(device.owner, device.id))?.[0] !== INDEX_MARKER[0])
            return `device ${device.id} missing from its owner's index`;
          if (store.has(sharedIndexKey(device.id)) !== device.shared)
            return `shared index disagrees with device ${device.id}`;
        }
        const stored = keeper.counts(ctx);
        if (countsText(stored) !== countsText(total))
          return `counts are ${countsText(stored)}, records give ${countsText(total)}`;
        for (const [sector, counts] of bySector) {
          const storedSector = keeper.counts(ctx, sector);
          if (countsText(storedSector) !== countsText(counts))
            return `sector ${sector} counts are ${countsText(storedSector)}, records give ${countsText(counts)}`;
        }
        return undefined;
      },
    },
  ];
}
