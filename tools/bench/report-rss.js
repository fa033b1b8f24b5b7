// Preloaded into the synth process by synth-bench.js: reports the process's peak RSS when it exits.
process.on("exit", () => {
  process.stderr.write(`BENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
