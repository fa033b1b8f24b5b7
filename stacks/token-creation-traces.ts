/**
 * cdktf records where every token was created: a full stack trace (Error.captureStackTrace on a plain object with an
 * unlimited depth), formatted at once. The record only decorates cdktf's own errors about a misused token, and
 * formatting it was a quarter of the time `npm run synth` spends per stack. dropTokenCreationTraces makes those
 * records empty (cdktf then keeps none); every other trace (Errors of any realm, console.trace, other captures)
 * keeps its format: the formatter installed before, if any, else V8's. QDRANT_TOKEN_TRACES=1 keeps cdktf's
 * records too, for debugging a token error; so does running node with source maps.
 */
const CDKTF_LIB = /[\\/]node_modules[\\/]cdktf[\\/]lib[\\/]/;

/** cdktf's record: a plain object whose trace starts inside cdktf (it hides its capturing function). */
const isCdktfRecord = (target: unknown, callSites: NodeJS.CallSite[]) =>
  !(target instanceof Error) && CDKTF_LIB.test(callSites[0]?.getFileName() ?? "");

const sourceMapsOn = () =>
  process.sourceMapsEnabled === true || [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].includes("--enable-source-maps");

export function dropTokenCreationTraces(): void {
  if (process.env.QDRANT_TOKEN_TRACES === "1" || sourceMapsOn()) return;
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (target: unknown, callSites: NodeJS.CallSite[]) => {
    if (isCdktfRecord(target, callSites)) return "";
    if (previous) return previous(target as Error, callSites) as unknown;
    return `${Error.prototype.toString.call(target)}${callSites.map((site) => `\n    at ${String(site)}`).join("")}`;
  };
}
