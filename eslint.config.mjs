// Lint: the rules that keep the architecture honest (docs/architecture.md): provider imports by deep path; no cdktf where it does not belong.
import tseslint from "typescript-eslint";

const providerRoots = ["@cdktf/provider-aws", "@cdktf/provider-kubernetes", "@cdktf/provider-helm", "@cdktf/provider-random"].map((name) => ({
  name,
  message: `Import provider classes by deep path (${name}/lib/<resource>): the package root loads every resource (seconds, ~1 GB).`,
}));

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "cdktf.out/**", ".gen/**", "test/fixtures/**", "coverage/**"] },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser },
    plugins: { "@typescript-eslint": tseslint.plugin },
    rules: {
      "no-restricted-imports": ["error", { paths: providerRoots }],
    },
  },
  {
    // The input schema and rules, sizing, the module's variable generator, config loading and the tools know nothing
    // of CDKTF (it is archived): only constructs and stacks import it.
    files: [
      "lib/config/**/*.ts",
      "lib/sizing/**/*.ts",
      "lib/shell/**/*.ts",
      "lib/core/naming.ts",
      "lib/collections/collection-requests.ts",
      "lib/module/variables.ts",
      "lib/module/variable-types.ts",
      "lib/module/readme.ts",
      "lib/terraform/change-impact.ts",
      "lib/terraform/plan-guard.ts",
      "stacks/config-files.ts",
      "tools/**/*.ts",
      "tools/**/*.js",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [...providerRoots, { name: "cdktf", message: "Only constructs and stacks may import cdktf." }, { name: "constructs", message: "Only constructs and stacks may import constructs." }],
          patterns: [{ group: ["@cdktf/*", "cdktf/*"], message: "Only constructs and stacks may import cdktf." }],
        },
      ],
    },
  },
);
