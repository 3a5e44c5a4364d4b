// A reader of Prometheus' text exposition format (version 0.0.4), enough to check and compare a node's
// GET /metrics: samples by name and labels, with # TYPE lines kept. Used by the bridge benchmark and
// the metrics test; a line it cannot read is an error naming the line.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Metric family name → counter, gauge, histogram, summary or untyped. */
  types: Map<string, string>;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

export function parsePrometheusText(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type !== null) types.set(type[1]!, type[2]!);
      continue;
    }
    const match = SAMPLE_LINE.exec(line);
    if (match === null) throw new Error(`metrics line ${index + 1} is not a sample: ${line}`);
    samples.push({
      name: match[1]!,
      labels: parseLabels(match[3] ?? "", index),
      value: parseValue(match[4]!),
    });
  }
  return { samples, types };
}

function parseLabels(text: string, index: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL_PAIR.lastIndex = 0;
  while (LABEL_PAIR.lastIndex < text.length) {
    const pair = LABEL_PAIR.exec(text);
    if (pair === null) throw new Error(`metrics line ${index + 1}: bad labels {${text}}`);
    labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

function parseValue(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  if (Number.isNaN(value) && text !== "NaN") throw new Error(`metrics value ${text} is not a number`);
  return value;
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when none. */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = exposition.samples.find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  return found?.value;
}

/** GETs `<rpcUrl>/metrics` as text. */
export async function fetchMetricsText(rpcUrl: string): Promise<string> {
  const response = await fetch(`${rpcUrl.replace(/\/$/, "")}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
}

/** GETs `<rpcUrl>/metrics` and parses it. */
export async function scrapeMetrics(rpcUrl: string): Promise<Exposition> {
  return parsePrometheusText(await fetchMetricsText(rpcUrl));
}
