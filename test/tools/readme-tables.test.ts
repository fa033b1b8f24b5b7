import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inputsTableMarkdown, rulesTableMarkdown, withGeneratedSections } from "../../tools/readme-tables";
import { RULE_CATALOGUE } from "../../lib/config/rules";
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

  it("list every cross-field rule with the face that runs it", () => {
    const table = rulesTableMarkdown();
    for (const rule of RULE_CATALOGUE) expect(table).toContain(`| \`${rule.id}\` |`);
    expect(table).toContain("| `backup.created-bucket-on-aws-s3` | `backupCreateBucket` (`backup_create_bucket`) | creates an AWS S3 bucket; it cannot create one on `backupS3Endpoint` or for `backupTarget: pvc` | both |");
    expect(table).toContain("| `autoscaling.max-above-replicas` | `autoscaling.maxReplicas` | must be greater than `replicas` (<replicas>), the autoscaler's minimum | stacks only: ");
  });
});
