// The same app as `cdktf init --template=typescript` would run it, for the benchmark's comparison: a copy of
// main.ts, stacks/ and lib/ in a temporary folder, with every provider import rewritten from its deep path
// (`@cdktf/provider-aws/lib/iam-role`) to the package root (`import { iamRole } from "@cdktf/provider-aws"`,
// the form the prebuilt-provider docs show), the template's tsconfig.json, and the template's app command
// (cdktf.json: `npx ts-node main.ts`, which type-checks before it runs). Our own sources are not changed.
const { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join, relative } = require("node:path");

/** The template's compiler options (cdktf-cli 0.21.0, templates/typescript/tsconfig.json). */
function templateTsconfig(root) {
  const text = readFileSync(join(root, "node_modules", "cdktf-cli", "bundle", "templates", "typescript", "tsconfig.json"), "utf8");
  const tsconfig = JSON.parse(text);
  // Its lib/target is ES2018; this code calls ES2019-ES2022 library functions (Object.fromEntries, Array.at, ...).
  // Raising them changes what the checker accepts, not how much it reads.
  tsconfig.compilerOptions.lib = ["es2022"];
  tsconfig.compilerOptions.target = "ES2022";
  return tsconfig;
}

/** Namespace name under which a package root exports each lib/<dir> (`export * as iamRole from './iam-role'`). */
function rootNamespaces(root, pkg) {
  const index = readFileSync(join(root, "node_modules", pkg, "lib", "index.d.ts"), "utf8");
  const names = new Map();
  for (const m of index.matchAll(/export \* as (\w+) from '\.\/([\w-]+)';/g)) names.set(m[2], m[1]);
  return names;
}

/** Rewrites `import { A, B as C } from "@cdktf/provider-x/lib/dir"` to a root import plus `import A = ns.A` aliases. */
function rewriteProviderImports(source, namespacesOf, file) {
  let n = 0;
  const out = source.replace(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+"(@cdktf\/provider-[a-z]+)\/lib\/([\w-]+)";/g, (_all, _type, names, pkg, dir) => {
    const ns = namespacesOf(pkg).get(dir);
    if (!ns) throw new Error(`${file}: ${pkg} exports no namespace for lib/${dir}`);
    const local = `__root${n++}`;
    const aliases = names
      .split(",")
      .map((s) => s.trim().replace(/^type\s+/, ""))
      .filter(Boolean)
      .map((spec) => {
        const [imported, as] = spec.split(/\s+as\s+/);
        return `import ${as ?? imported} = ${local}.${imported};`;
      });
    return [`import { ${ns} as ${local} } from "${pkg}";`, ...aliases].join("\n");
  });
  if (/@cdktf\/provider-[a-z]+\/lib\//.test(out)) throw new Error(`${file}: a deep provider import was left unrewritten`);
  return out;
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Writes the template-style project into a new temporary folder and returns its path. */
function createTemplateVariant(root) {
  const dir = mkdtempSync(join(tmpdir(), "qdrant-bench-template-"));
  const cache = new Map();
  const namespacesOf = (pkg) => {
    if (!cache.has(pkg)) cache.set(pkg, rootNamespaces(root, pkg));
    return cache.get(pkg);
  };
  const sources = [join(root, "main.ts"), ...filesUnder(join(root, "lib")), ...filesUnder(join(root, "stacks"))];
  for (const file of sources) {
    const target = join(dir, relative(root, file));
    mkdirSync(join(target, ".."), { recursive: true });
    if (file.endsWith(".ts")) writeFileSync(target, rewriteProviderImports(readFileSync(file, "utf8"), namespacesOf, relative(root, file)));
    else cpSync(file, target); // the shell scripts, read at synth time from beside the code
  }
  writeFileSync(join(dir, "tsconfig.json"), `${JSON.stringify(templateTsconfig(root), null, 2)}\n`);
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

module.exports = { createTemplateVariant, rewriteProviderImports };
