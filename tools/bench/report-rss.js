// Preloaded into every Node process of a benchmarked synth (NODE_OPTIONS=--require): reports the process's peak
// RSS and the CPU time it used when it exits. synth-bench.js reads these lines from stderr.
process.on("exit", () => {
  const usage = process.resourceUsage();
  process.stderr.write(`BENCH_MAX_RSS_KB=${usage.maxRSS} BENCH_CPU_US=${usage.userCPUTime + usage.systemCPUTime}\n`);
});
