// Regenerates the inputs tables in README.md from the schema: `npm run docs`.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withGeneratedSections } from "./readme-tables";

const path = join(__dirname, "..", "..", "README.md");
writeFileSync(path, withGeneratedSections(readFileSync(path, "utf8")));
console.log("README.md inputs tables updated");
