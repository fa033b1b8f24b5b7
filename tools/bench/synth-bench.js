#!/usr/bin/env node
// Synth benchmark (`npm run bench`, which builds first): homelab + N generated customers (N = 1, 10, 50), each
// synthesized in a fresh process by
//   ours:     node dist/main.js, what `npm run synth` runs after compiling;
//   template: the same stacks as the CDKTF TypeScript template runs an app (template-variant.js): `npx ts-node
//             main.ts`, type-checked on every synth, provider classes imported from their package roots.
// Runs are interleaved (round by round, alternating which goes first) so that load from other processes falls on
// both alike. Prints medians with their spread (min-max), the speed and memory ratios, the marginal cost of one
// more customer stack, then the Terraform module (`npm run build:module` without the compile).
// Settings: BENCH_RUNS (rounds, default 3), BENCH_SIZES (customer counts, default 1,10,50), BENCH_TEMPLATE=0
// (ours only: seconds instead of minutes).
// Budget on a 2-core machine: homelab + 50 customers in under 3 s and 400 MB.
const { spawnSync } = require("node:child_process");
const { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { cpus, loadavg, tmpdir } = require("node:os");
const { join } = require("node:path");
const { createTemplateVariant } = require("./template-variant");

const root = join(__dirname, "..", "..");
const main = join(root, "dist", "main.js");
const reportRss = join(__dirname, "report-rss.js");
const customerTemplate = readFileSync(join(root, "config", "customers", "acme-corp.yaml"), "utf8");
const sizes = (process.env.BENCH_SIZES || "1,10,50").split(",").map(Number);
const runs = Number(process.env.BENCH_RUNS || 3);
const withTemplate = process.env.BENCH_TEMPLATE !== "0";

function configFor(customers) {
  const dir = mkdtempSync(join(tmpdir(), "qdrant-bench-"));
  mkdirSync(join(dir, "config", "customers"), { recursive: true });
  copyFileSync(join(root, "config", "homelab.yaml"), join(dir, "config", "homelab.yaml"));
  for (let i = 1; i <= customers; i++) {
    const name = `customer-${String(i).padStart(3, "0")}`;
    const text = customerTemplate
      .replace(/^customerName: .*$/m, `customerName: ${name}`)
      .replace(/^eksClusterName: .*$/m, `eksClusterName: eks-${name}`);
    writeFileSync(join(dir, "config", "customers", `${name}.yaml`), text);
  }
  return dir;
}

/** Runs one command to completion; every Node process in it reports its peak RSS and CPU time (report-rss.js). */
function measure(command, args, { cwd, env }) {
  const nodeOptions = `${process.env.NODE_OPTIONS ?? ""} --require ${JSON.stringify(reportRss)}`.trim();
  const started = process.hrtime.bigint();
  // stdout (npm run synth's summary) is discarded; stderr carries the reports and any failure.
  const run = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...env, CHECKPOINT_DISABLE: "1", NODE_OPTIONS: nodeOptions },
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${run.stderr}`);
  const reports = [...run.stderr.matchAll(/BENCH_MAX_RSS_KB=(\d+) BENCH_CPU_US=(\d+)/g)];
  if (reports.length === 0) throw new Error(`${command}: no resource report on stderr:\n${run.stderr}`);
  return {
    seconds,
    // The largest process (for the template, ts-node's; npx's own is much smaller), as `time -v` reports it.
    rssMb: Math.max(...reports.map((m) => Number(m[1]))) / 1024,
    cpuSeconds: reports.reduce((sum, m) => sum + Number(m[2]), 0) / 1e6,
  };
}

const variants = {
  ours: (dir) => {
    rmSync(join(dir, "cdktf.out"), { recursive: true, force: true });
    return measure(process.execPath, [main], { cwd: dir, env: { QDRANT_CONFIG_DIR: "config" } });
  },
  template: (dir, templateDir) => {
    // As `cdktf synth` runs the template's app (cdktf.json "app": "npx ts-node main.ts"), with its output folder.
    rmSync(join(dir, "cdktf.out.template"), { recursive: true, force: true });
    return measure("npx", ["ts-node", "main.ts"], {
      cwd: templateDir,
      env: { QDRANT_CONFIG_DIR: join(dir, "config"), CDKTF_OUTDIR: join(dir, "cdktf.out.template") },
    });
  },
};

function stackFiles(stacksDir) {
  return readdirSync(stacksDir)
    .sort()
    .map((stack) => ({ stack, text: readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8") }));
}

function countResources(stacksDir) {
  let count = 0;
  for (const { text } of stackFiles(stacksDir)) {
    for (const byName of Object.values(JSON.parse(text).resource || {})) count += Object.keys(byName).length;
  }
  return count;
}

/** The comparison is only fair if both wrote the same Terraform. */
function assertSameOutput(dir) {
  const ours = stackFiles(join(dir, "cdktf.out", "stacks"));
  const template = stackFiles(join(dir, "cdktf.out.template", "stacks"));
  const differing = ours.filter((s, i) => template[i]?.stack !== s.stack || template[i].text !== s.text).map((s) => s.stack);
  if (ours.length !== template.length || differing.length > 0) {
    throw new Error(`the template variant synthesized different Terraform (${ours.length} vs ${template.length} stacks; differing: ${differing.join(", ")})`);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs, digits, unit = "") => {
  const f = (x) => `${x.toFixed(digits)}${unit}`;
  return `${f(median(xs))} [${f(Math.min(...xs))}-${f(Math.max(...xs))}]`;
};

const dirs = sizes.map(configFor);
const templateDir = withTemplate ? createTemplateVariant(root) : undefined;
const names = withTemplate ? ["ours", "template"] : ["ours"];
const results = Object.fromEntries(names.map((v) => [v, sizes.map(() => [])]));
const load = () => loadavg()[0].toFixed(1);
const loadAtStart = load();
try {
  for (let round = 0; round < runs; round++) {
    for (const [i, dir] of dirs.entries()) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const variant of order) results[variant][i].push(variants[variant](dir, templateDir));
      if (round === 0 && withTemplate) assertSameOutput(dir);
    }
    process.stderr.write(`round ${round + 1}/${runs} done\n`);
  }

  console.log(`synth benchmark: ${runs} round(s), node ${process.version}, ${cpus().length} cores, load average ${loadAtStart} at start, ${load()} at end`);
  console.log("  ours:     node dist/main.js (what npm run synth runs after compiling)");
  if (withTemplate) {
    console.log("  template: npx ts-node main.ts, as cdktf synth runs the CDKTF TypeScript template (type-checked, provider package roots);");
    console.log("            same stacks, byte-identical Terraform JSON (checked)");
  }
  console.log("wall and CPU seconds: median [min-max] over the rounds; peak RSS: the largest process, max over the rounds;");
  console.log("template/ours: ratio of the medians [min-max of the rounds' paired ratios]");
  console.log(`stacks  resources  ${"".padEnd(13)}  ${"wall s".padEnd(22)}  ${"CPU s".padEnd(22)}  peak RSS MB`);
  const row = (label, wall, cpu, rss) => `${"".padEnd(17)}  ${label.padEnd(13)}  ${wall.padEnd(22)}  ${cpu.padEnd(22)}  ${rss}`;
  const ratio = (template, ours, key) => {
    const paired = template.map((t, r) => t[key] / ours[r][key]);
    const of = median(template.map((r) => r[key])) / median(ours.map((r) => r[key]));
    return `${of.toFixed(1)}x [${Math.min(...paired).toFixed(1)}x-${Math.max(...paired).toFixed(1)}x]`;
  };
  for (const [i, n] of sizes.entries()) {
    const resources = countResources(join(dirs[i], "cdktf.out", "stacks"));
    const lines = names.map((variant) => {
      const rows = results[variant][i];
      return row(variant, spread(rows.map((r) => r.seconds), 2), spread(rows.map((r) => r.cpuSeconds), 2), Math.max(...rows.map((r) => r.rssMb)).toFixed(0).padStart(6));
    });
    if (withTemplate) {
      const [ours, template] = [results.ours[i], results.template[i]];
      const memory = Math.max(...ours.map((r) => r.rssMb)) / Math.max(...template.map((r) => r.rssMb));
      lines.push(row("template/ours", ratio(template, ours, "seconds"), ratio(template, ours, "cpuSeconds"), `ours uses ${(memory * 100).toFixed(0)} %`));
    }
    lines[0] = `${String(n + 1).padStart(6)}  ${String(resources).padStart(9)}${lines[0].slice(17)}`;
    console.log(lines.join("\n"));
  }

  // One more customer: the slope between the smallest and the largest size, per round; as a share of one stack
  // (the smallest size's time less the slope for each stack beyond the first). Wall time, and CPU time (which
  // load from other processes disturbs less).
  if (sizes.length >= 2) {
    const [first, last] = [0, sizes.length - 1];
    const added = sizes[last] - sizes[first];
    console.log(`one more customer stack (slope from ${sizes[first] + 1} to ${sizes[last] + 1} stacks), median [min-max] over the rounds:`);
    for (const variant of names) {
      for (const key of ["seconds", "cpuSeconds"]) {
        const rows = results[variant];
        const slopes = rows[first].map((small, r) => (rows[last][r][key] - small[key]) / added);
        const oneStack = rows[first].map((small, r) => small[key] - sizes[first] * slopes[r]);
        const shares = slopes.map((slope, r) => slope / oneStack[r]);
        console.log(
          `  ${variant.padEnd(8)} ${key === "seconds" ? "wall" : "CPU "}  +${spread(slopes.map((s) => s * 1000), 0, " ms")} = ${spread(shares.map((s) => s * 100), 1, " %")} of one stack (${spread(oneStack, 2, " s")})`,
        );
      }
    }
  }
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  if (templateDir) rmSync(templateDir, { recursive: true, force: true });
}

// The Terraform module (npm run build:module's work, without the compile): one stack, every part counted.
{
  const out = mkdtempSync(join(tmpdir(), "qdrant-bench-module-"));
  const results = Array.from({ length: runs }, () => measure(process.execPath, [join(root, "dist", "tools", "build-module.js"), out], { cwd: root, env: {} }));
  const module = JSON.parse(readFileSync(join(out, "main.tf.json"), "utf8"));
  const resources = Object.values(module.resource || {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
  console.log(
    `module: ${resources} resources, wall ${spread(results.map((r) => r.seconds), 2, " s")}, CPU ${spread(results.map((r) => r.cpuSeconds), 2, " s")}, peak RSS ${Math.max(...results.map((r) => r.rssMb)).toFixed(0)} MB`,
  );
  rmSync(out, { recursive: true, force: true });
}
