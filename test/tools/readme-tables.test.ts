import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inputsTableMarkdown, withGeneratedSections } from "../../tools/readme-tables";
import { qdrantInputShape } from "../../lib/config/schema";

describe("README inputs tables", () => {
  it("are up to date with the schema (run `npm run docs` after changing an input)", () => {
    const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
    expect(withGeneratedSections(readme)).toBe(readme);
  });

  it("list every input once, with its Terraform variable and default", () => {
    const table = inputsTableMarkdown();
    for (const name of Object.keys(qdrantInputShape)) expect(table).toContain(`| \`${name}\` |`);
    expect(table).toContain("| Input | Terraform variable | Type | Default | Description |");
    expect(table).toContain("| `backupS3Bucket` | `backup_s3_bucket` | string | `\"\"` | S3 bucket for backups. |");
    expect(table).toContain("| `customerName` | `customer_name` | string | required |");
    expect(table).toContain("| `tls` | none (CDKTF only) | object | unset |");
  });
});
