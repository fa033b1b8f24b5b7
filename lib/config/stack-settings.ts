/**
 * Stack-level settings that sit beside the Qdrant inputs in a config file: where the stack deploys to
 * and where its state lives. They are not QdrantDeployment props.
 */
import { z } from "zod";

const terraformCloudSchema = z
  .strictObject({
    organization: z.string().min(1, { error: "must name the Terraform Cloud organization" }),
    workspace: z.string().min(1).optional().describe("Workspace name; default the stack name (qdrant-<customer>)."),
    project: z.string().min(1).optional().describe("Terraform Cloud project of the workspace."),
  })
  .describe("Run this stack in Terraform Cloud (cloud backend); without it, state is local.");

/**
 * The EKS token (aws_eks_cluster_auth) is valid 15 minutes and fetched once per apply, never renewed
 * (hashicorp/terraform-provider-aws#46633): with it, an apply's waits on Kubernetes (applyWaitMinutes) must end
 * well inside that, leaving room for the AWS reads and writes around them.
 */
export const EKS_TOKEN_WAIT_MINUTES = 12;

/** How the EKS stack's kubernetes provider gets its credentials. */
export const KUBERNETES_AUTH = ["token", "exec"] as const;

export const eksStackSettingsShape = {
  awsRegion: z
    .string()
    .regex(/^[a-z]{2}-[a-z]+-\d$/, { error: 'must be an AWS region such as "eu-west-1"' })
    // The backup role's policy and the bucket name ARNs in the standard partition (arn:aws:s3:::).
    .refine((region) => !/^(cn|us-gov|us-iso[a-z]*)-/.test(region), {
      error: "is in another AWS partition (China, GovCloud or ISO), whose ARNs this project does not write yet; use a region of the standard partition",
    })
    .describe("AWS region of the EKS cluster (and the backup bucket)."),
  awsDefaultTags: z.record(z.string(), z.string()).default({}).describe("Tags the AWS provider adds to every AWS resource."),
  kubernetesAuth: z
    .enum(KUBERNETES_AUTH)
    .default("token")
    .describe(
      "How the kubernetes provider authenticates to EKS: `token` (ephemeral aws_eks_cluster_auth, read at apply, valid 15 minutes, never renewed: Terraform >= 1.10, every apply within applyWaitMinutes <= 12) or `exec` (`aws eks get-token`, renewed: the runner needs the AWS CLI).",
    ),
  terraformCloud: terraformCloudSchema.optional(),
};

export const homelabStackSettingsShape = {
  kubeconfigPath: z.string().min(1).default("~/.kube/config").describe("kubeconfig the kubernetes provider reads."),
  kubeconfigContext: z.string().min(1).optional().describe("kubeconfig context; default the file's current context."),
  terraformCloud: terraformCloudSchema.optional(),
};

export type EksStackSettings = z.output<z.ZodObject<typeof eksStackSettingsShape>>;
export type HomelabStackSettings = z.output<z.ZodObject<typeof homelabStackSettingsShape>>;
export type TerraformCloudSettings = z.output<typeof terraformCloudSchema>;

/**
 * Terraform Cloud for every EKS stack whose file has no terraformCloud block (config-files.ts applies it; the
 * homelab's provider reads a local kubeconfig): $TFC_ORGANIZATION (and optionally $TFC_PROJECT), one workspace per
 * stack. Unset: local state.
 */
export function terraformCloudFromEnv(env: NodeJS.ProcessEnv): TerraformCloudSettings | undefined {
  const organization = env.TFC_ORGANIZATION?.trim();
  if (!organization) return undefined;
  const project = env.TFC_PROJECT?.trim();
  return project ? { organization, project } : { organization };
}
