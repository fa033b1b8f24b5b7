import { TerraformResource } from "cdktf";
import { Construct } from "constructs";

/**
 * A `terraform_data` resource (Terraform's built-in, >= 1.4) holding `input`. Not cdktf's DataResource: that class
 * adds a validation which runs `terraform version` at every synth, so synth would need the terraform binary (and
 * pay a process per stack, about half the synth time at 50 customers).
 */
export class TerraformDataResource extends TerraformResource {
  constructor(
    scope: Construct,
    id: string,
    private readonly input: Record<string, unknown>,
  ) {
    super(scope, id, { terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" } });
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { input: this.input };
  }

  protected synthesizeHclAttributes(): Record<string, unknown> {
    return { input: { value: this.input, isBlock: false, type: "map", storageClassType: "anyMap" } };
  }
}
