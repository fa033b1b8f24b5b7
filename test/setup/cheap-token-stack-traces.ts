/**
 * cdktf records a stack trace for every token it creates (Error.captureStackTrace on a plain object). Under jest,
 * formatting each one goes through source-map-support, which parses the provider packages' large inline source
 * maps: that alone made the first synth of every test file take ~0.8 s. Those records only decorate cdktf's own
 * error messages, so they get V8's plain format here; real Errors (test failures) keep their source-mapped traces.
 */
const sourceMapped = Error.prepareStackTrace;

Error.prepareStackTrace = (error: unknown, callSites: NodeJS.CallSite[]) => {
  if (error instanceof Error && sourceMapped) return sourceMapped(error, callSites);
  return `${error instanceof Error ? `${error.name}: ${error.message}` : "Trace"}\n${callSites.map((site) => `    at ${String(site)}`).join("\n")}`;
};
