/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // swc strips types file by file (fast, no type-checking); `npm run typecheck` does the type-checking.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] },
  testPathIgnorePatterns: ["/node_modules/", "/test/fixtures/"],
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/cdktf.out/"],
  // Most suites wait on child processes (bash, the AWS CLI, terraform): one worker per core keeps both busy.
  maxWorkers: "100%",
  // Every temporary file of a run lives in one directory, removed when the run ends (test/setup/run-temp-dir.ts).
  globalSetup: "<rootDir>/test/setup/global-setup.ts",
  globalTeardown: "<rootDir>/test/setup/global-teardown.ts",
  setupFilesAfterEnv: ["<rootDir>/test/setup/token-creation-traces.ts"],
  testTimeout: 60000,
};
