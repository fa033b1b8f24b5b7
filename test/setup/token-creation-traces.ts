/**
 * cdktf records a stack trace for every token it creates. Under jest, formatting each one went through
 * source-map-support, which parses the provider packages' large inline source maps (~0.8 s on the first synth of
 * every test file). The tests drop those records as `npm run synth` does; real Errors (test failures) keep their
 * source-mapped traces.
 */
import { dropTokenCreationTraces } from "../../stacks/token-creation-traces";

dropTokenCreationTraces();
