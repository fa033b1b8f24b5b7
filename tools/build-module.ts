// Writes the Terraform module (QdrantModuleStack) to dist/terraform-module/: `npm run build:module`.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { moduleFiles } from "../lib/module/files";

const dir = process.argv[2] ?? join(__dirname, "..", "terraform-module");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
for (const [name, content] of Object.entries(moduleFiles())) writeFileSync(join(dir, name), content);
console.log(`Terraform module written to ${dir}`);
