/**
 * cdktf records where every token was created: a full stack trace (Error.captureStackTrace on a plain object with an
 * unlimited depth), formatted at once. The record only decorates cdktf's own errors about a misused token, and
 * formatting it was a quarter of the time `npm run synth` spends per stack. dropTokenCreationTraces makes those
 * records empty; real Errors keep their traces (through the formatter installed before, if any, else V8's format).
 * QDRANT_TOKEN_TRACES=1 keeps cdktf's records, for debugging a token error; so does running node with source maps.
 */
export function dropTokenCreationTraces(): void {
  if (process.env.QDRANT_TOKEN_TRACES === "1" || process.sourceMapsEnabled) return;
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error: unknown, callSites: NodeJS.CallSite[]) => {
    if (!(error instanceof Error)) return "";
    if (previous) return previous(error, callSites) as unknown;
    return `${Error.prototype.toString.call(error)}${callSites.map((site) => `\n    at ${String(site)}`).join("")}`;
  };
}
