import test from "ava";
import { parseDay } from "../../chain/cli/meter.ts";

test("a day is a YYYY-MM-DD date or a day number since 1970-01-01", (t) => {
  t.is(parseDay("1970-01-01"), 0);
  t.is(parseDay("2026-11-21"), 20778);
  t.is(parseDay("20778"), 20778);
  t.is(parseDay("4294967295"), 4294967295);
});

test("days the uint32 field cannot hold are refused, not wrapped", (t) => {
  for (const text of ["4294967296", "4294967297", "9999999999", "1969-12-31", "0001-01-01"]) {
    const error = t.throws(() => parseDay(text), undefined, text);
    t.is((error as { code?: string }).code, "invalid_argument", text);
  }
});

test("text that is not a day is refused", (t) => {
  for (const text of ["", "2026-02-30", "2026-1-1", "-1", "12345678901", "1e3"]) {
    t.throws(() => parseDay(text), undefined, text);
  }
});
