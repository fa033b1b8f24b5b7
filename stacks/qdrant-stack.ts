import { Aspects, CloudBackend, LocalBackend, NamedCloudWorkspace, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import type { TerraformCloudSettings } from "../lib/config/stack-settings";
import { PodSecurityAspect } from "../lib/core/pod-security";

/**
 * What every stack of this app shares: the Pod Security check over every pod spec, and its backend
 * (Terraform Cloud, one workspace per stack, when configured; otherwise local state in the project root).
 */
export abstract class QdrantStack extends TerraformStack {
  constructor(scope: Construct, readonly stackName: string, terraformCloud?: TerraformCloudSettings) {
    super(scope, stackName);
    Aspects.of(this).add(new PodSecurityAspect());
    if (terraformCloud) {
      new CloudBackend(this, {
        organization: terraformCloud.organization,
        workspaces: new NamedCloudWorkspace(terraformCloud.workspace ?? stackName, terraformCloud.project),
      });
    } else {
      // Relative to cdktf.out/stacks/<stack>/, where terraform runs: the project root, not an absolute path.
      new LocalBackend(this, { path: `../../../terraform.${stackName}.tfstate` });
    }
  }
}
