import { Lazy } from "cdktf";
import { dropTokenCreationTraces } from "../../stacks/token-creation-traces";

/** A fresh install: the formatter jest's setup put in place is set aside for the test. */
function withFormatter(formatter: ((error: Error, sites: NodeJS.CallSite[]) => unknown) | undefined, env: string | undefined, run: () => void): void {
  const saved = Error.prepareStackTrace;
  const savedEnv = process.env.QDRANT_TOKEN_TRACES;
  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = formatter;
  if (env === undefined) delete process.env.QDRANT_TOKEN_TRACES;
  else process.env.QDRANT_TOKEN_TRACES = env;
  try {
    run();
  } finally {
    Error.prepareStackTrace = saved;
    if (savedEnv === undefined) delete process.env.QDRANT_TOKEN_TRACES;
    else process.env.QDRANT_TOKEN_TRACES = savedEnv;
  }
}

const creationStack = () => (Lazy.anyValue({ produce: () => 1 }) as unknown as { creationStack: string[] }).creationStack;

it("leaves cdktf's token creation records empty, and every other trace in V8's format", () => {
  withFormatter(undefined, undefined, () => {
    dropTokenCreationTraces();
    expect(creationStack()).toEqual([]);
    expect(new RangeError("boom").stack).toMatch(/^RangeError: boom\n {4}at .*token-creation-traces\.test\.ts:\d+:\d+/);
    // A capture on a plain object outside cdktf (as console.trace makes) keeps its trace.
    const captured: { stack?: string; name?: string; message?: string } = { name: "Trace", message: "hello" };
    Error.captureStackTrace(captured);
    expect(captured.stack).toMatch(/^Trace: hello\n {4}at .*token-creation-traces\.test\.ts:\d+:\d+/);
  });
});

it("hands real errors to the formatter installed before (jest's source-mapped one)", () => {
  withFormatter((error) => `formatted ${(error as Error).message}`, undefined, () => {
    dropTokenCreationTraces();
    expect(new Error("boom").stack).toBe("formatted boom");
    expect(creationStack()).toEqual([]);
  });
});

it("keeps cdktf's records with QDRANT_TOKEN_TRACES=1", () => {
  withFormatter(undefined, "1", () => {
    dropTokenCreationTraces();
    expect(Error.prepareStackTrace).toBeUndefined();
    expect(creationStack().join("\n")).toMatch(/token-creation-traces\.test\.ts/);
  });
});
