// proto/gen is what `npm run proto` makes from the .proto files today (regenerated into a temp dir
// with the installed protobufjs-cli and compared byte for byte).
import test from "ava";
import { outdatedFiles } from "../../scripts/gen-proto.ts";

test("checked-in proto/gen matches the .proto files", async (t) => {
  t.deepEqual(await outdatedFiles(), [], "run `npm run proto` and commit proto/gen");
});
