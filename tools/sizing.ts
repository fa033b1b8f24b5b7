// Prints a Qdrant capacity estimate (lib/sizing/sizing.ts): `npm run sizing -- --vectors N --dims D [--quantization int8]`.
// Built to dist/tools/sizing.js by `npm run build`. Exit codes: 0 table printed, 2 bad arguments.
import {
  CapacityEstimate,
  CapacityInput,
  describeEstimate,
  estimateCapacity,
  formatSize,
  QUANTIZATIONS,
  Quantization,
  RECOMMENDATION_RULES,
  SIZING_DEFAULTS,
  SizingError,
  sizingProblems,
} from "../lib/sizing/sizing";

export interface CliResult {
  /** 0: estimate printed; 2: bad arguments. */
  readonly code: 0 | 2;
  /** For stdout (code 0) or stderr (code 2); ends with a newline. */
  readonly output: string;
}

interface FlagSpec {
  readonly field: keyof CapacityInput;
  readonly kind: "number" | "boolean" | "quantization";
  readonly help: string;
}

const FLAGS: Record<string, FlagSpec> = {
  "--vectors": { field: "vectors", kind: "number", help: "points expected in all collections (required; 100000, 100_000, 100k, 1.5M)" },
  "--dims": { field: "dimensions", kind: "number", help: "vector dimensions (required)" },
  "--quantization": { field: "quantization", kind: "quantization", help: `one of ${QUANTIZATIONS.join(", ")} (default ${SIZING_DEFAULTS.quantization})` },
  "--payload-bytes": { field: "payloadBytesPerPoint", kind: "number", help: `average payload bytes per point (default ${SIZING_DEFAULTS.payloadBytesPerPoint})` },
  "--on-disk-payload": { field: "onDiskPayload", kind: "boolean", help: "payloads on disk, not in RAM (default: in RAM, as the homelab design sized it)" },
  "--on-disk-vectors": { field: "onDiskVectors", kind: "boolean", help: "original vectors on disk, as a collection with on_disk: true keeps them (default: in RAM, as Qdrant does, quantized or not)" },
  "--payload-indexes": { field: "payloadIndexes", kind: "number", help: `indexed payload fields (default ${SIZING_DEFAULTS.payloadIndexes})` },
  "--hnsw-m": { field: "hnswM", kind: "number", help: `HNSW m (default ${SIZING_DEFAULTS.hnswM})` },
  "--replicas": { field: "replicas", kind: "number", help: "Qdrant pods (default 1); figures are per pod" },
  "--replication-factor": { field: "replicationFactor", kind: "number", help: "copies of each shard (default min(2, replicas))" },
  "--shards": { field: "shardNumber", kind: "number", help: "shards per collection (default: replicas)" },
  "--collections": { field: "collections", kind: "number", help: `collections, each shard has a WAL (default ${SIZING_DEFAULTS.collections})` },
  "--wal-capacity-mb": { field: "walCapacityMb", kind: "number", help: `WAL segment size in MB (default ${SIZING_DEFAULTS.walCapacityMb})` },
};
const ALIASES: Record<string, string> = { "--dimensions": "--dims" };

const FLAG_OF_FIELD = Object.fromEntries(Object.entries(FLAGS).map(([flag, spec]) => [spec.field, flag])) as Record<keyof CapacityInput, string>;

export const USAGE = [
  "Usage: sizing --vectors N --dims D [options]",
  "",
  "Estimates RAM, disk, PVC size and memory request/limit for one Qdrant pod (lib/sizing/sizing.ts).",
  "",
  "Options:",
  ...Object.entries(FLAGS).map(([flag, spec]) => `  ${`${flag}${spec.kind === "boolean" ? "[=false]" : spec.kind === "quantization" ? " <kind>" : " <n>"}`.padEnd(30)}${spec.help}`),
  `  ${"--help".padEnd(30)}this text`,
  "",
  "Example: sizing --vectors 100000 --dims 1536 --quantization int8",
].join("\n");

const SUFFIXES: Record<string, number> = { "": 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, b: 1e9, B: 1e9 };

/** A whole number from "100000", "100_000", "1e5", "100k", "1.5M"; undefined if it is not one. */
export function parseCount(text: string): number | undefined {
  const match = /^(\d+(?:_\d+)*(?:\.\d+)?(?:[eE]\d+)?)([kKmMbB]?)$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1].replace(/_/g, "")) * SUFFIXES[match[2]];
  return Number.isSafeInteger(Math.round(value)) && Math.abs(value - Math.round(value)) < 1e-9 ? Math.round(value) : undefined;
}

function parseBoolean(text: string): boolean | undefined {
  return text === "true" ? true : text === "false" ? false : undefined;
}

/** Parses argv (without node and the script) into a CapacityInput, or the list of problems (each naming its flag). */
export function parseArgs(argv: readonly string[]): { input?: CapacityInput; help: boolean; errors: string[] } {
  const errors: string[] = [];
  const values: Partial<Record<keyof CapacityInput, unknown>> = {};
  const seen = new Set<string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const given = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const flag = ALIASES[given] ?? given;
    const spec = FLAGS[flag];
    if (!spec) {
      errors.push(arg.startsWith("-") ? `unknown flag ${given} (see --help)` : `unexpected argument "${arg}" (flags take the form --name value; see --help)`);
      continue;
    }
    if (seen.has(flag)) errors.push(`${flag}: given more than once`);
    seen.add(flag);
    let text: string | undefined = eq > 0 && arg.startsWith("--") ? arg.slice(eq + 1) : undefined;
    if (spec.kind === "boolean") {
      const value = text === undefined ? true : parseBoolean(text);
      if (value === undefined) errors.push(`${flag}: expected true or false, got "${text}"`);
      else values[spec.field] = value;
      continue;
    }
    if (text === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        errors.push(`${flag}: needs a value`);
        continue;
      }
      text = next;
      i++;
    }
    if (spec.kind === "quantization") {
      if ((QUANTIZATIONS as readonly string[]).includes(text)) values[spec.field] = text as Quantization;
      else errors.push(`${flag}: expected one of ${QUANTIZATIONS.join(", ")}, got "${text}"`);
      continue;
    }
    const value = parseCount(text);
    if (value === undefined) errors.push(`${flag}: expected a whole number (like 100000, 100_000 or 100k), got "${text}"`);
    else values[spec.field] = value;
  }
  if (help) return { help, errors: [] };
  for (const flag of ["--vectors", "--dims"]) {
    if (!seen.has(flag)) errors.push(`${flag} is required`);
  }
  // The model's own checks (ranges, replication factor ≤ replicas) on the values given, so every problem shows at once.
  const checked = { vectors: 0, dimensions: 1, ...values } as CapacityInput;
  for (const problem of sizingProblems(checked)) {
    if (problem.field in values) errors.push(`${FLAG_OF_FIELD[problem.field]}: ${problem.message}`);
  }
  if (errors.length > 0) return { help, errors };
  return { input: values as unknown as CapacityInput, help, errors };
}

function table(rows: readonly (readonly string[])[], rightAligned: readonly number[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) =>
    row
      .map((cell, c) => (c === row.length - 1 ? cell : rightAligned.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("   ")
      .trimEnd(),
  );
}

/** The estimate as the CLI prints it. */
export function formatEstimate(estimate: CapacityEstimate): string {
  const r = estimate.input;
  const cell = (bytes: number): string => (bytes === 0 ? "-" : formatSize(bytes));
  const rec = estimate.recommended;
  const lines = [
    `Qdrant capacity estimate: ${describeEstimate(estimate)}`,
    `Payload ${r.payloadBytesPerPoint} B/point ${r.onDiskPayload ? "on disk" : "in RAM"}, ${r.payloadIndexes} payload indexes, HNSW m=${r.hnswM}, ` +
      `original vectors ${r.onDiskVectors ? "on disk" : "in RAM"}. Sizes per pod; MB = 10^6 bytes, Gi = 2^30 bytes.`,
    "",
    ...table(
      [
        ["Component", "RAM", "Disk", "Note"],
        ...estimate.components.map((c) => [c.label, cell(c.ramBytes), cell(c.diskBytes), c.note]),
        ["Total", formatSize(estimate.ramBytes), formatSize(estimate.diskBytes), ""],
      ],
      [1, 2],
    ),
    "",
    "Recommended per pod:",
    ...table(
      [
        ["  memory request", rec.memoryRequest, RECOMMENDATION_RULES.memoryRequest],
        ["  memory limit", rec.memoryLimit, RECOMMENDATION_RULES.memoryLimit],
        ["  storage PVC", rec.pvcSize, `${RECOMMENDATION_RULES.pvcSize}; here ${formatSize(estimate.diskBytes)} × 5 = ${formatSize(estimate.diskBytes * 5)}`],
        ["  snapshots volume", rec.snapshotVolumeSize, `${RECOMMENDATION_RULES.snapshotVolumeSize} (if /qdrant/snapshots is its own volume)`],
      ],
      [1],
    ),
    "",
    `Qdrant docs formula (vectors × dims × 4 B × 1.5): ${formatSize(estimate.qdrantDocsFormula.bytes)}` +
      (r.quantization === "none" ? "" : `; with ${r.quantization} vectors in its place: ${formatSize(estimate.qdrantDocsFormula.quantizedBytes)}`),
  ];
  return `${lines.join("\n")}\n`;
}

function failure(errors: readonly string[]): CliResult {
  return { code: 2, output: `${errors.map((e) => `sizing: ${e}`).join("\n")}\nRun with --help for usage.\n` };
}

/** The CLI without process side effects: argv excludes node and the script path. */
export function main(argv: readonly string[]): CliResult {
  const parsed = parseArgs(argv);
  if (parsed.help) return { code: 0, output: `${USAGE}\n` };
  if (!parsed.input) return failure(parsed.errors);
  try {
    return { code: 0, output: formatEstimate(estimateCapacity(parsed.input)) };
  } catch (error) {
    if (error instanceof SizingError) return failure(error.problems.map((p) => `${FLAG_OF_FIELD[p.field] ?? p.field}: ${p.message}`));
    throw error;
  }
}

if (require.main === module) {
  const { code, output } = main(process.argv.slice(2));
  (code === 0 ? process.stdout : process.stderr).write(output);
  process.exitCode = code;
}
