import { TerraformResource } from "cdktf";
import { Construct } from "constructs";

/**
 * A `terraform_data` resource (Terraform's built-in, >= 1.4) holding `input`. Not cdktf's DataResource: that class
 * adds a validation which runs `terraform version` at every synth, so synth would need the terraform binary (and
 * pay a process per stack, about half the synth time at 50 customers).
 */
export class TerraformDataResource extends TerraformResource {
  /**
   * `input` is stored (a change updates it in place, keeping the id); `triggersReplace`, when given, replaces the
   * resource when it changes, so its id is new.
   */
  constructor(
    scope: Construct,
    id: string,
    private readonly input: Record<string, unknown>,
    private readonly triggersReplace?: Record<string, unknown>,
  ) {
    super(scope, id, { terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" } });
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { input: this.input, ...(this.triggersReplace ? { triggers_replace: this.triggersReplace } : {}) };
  }

  protected synthesizeHclAttributes(): Record<string, unknown> {
    return {
      input: { value: this.input, isBlock: false, type: "map", storageClassType: "anyMap" },
      ...(this.triggersReplace ? { triggers_replace: { value: this.triggersReplace, isBlock: false, type: "map", storageClassType: "anyMap" } } : {}),
    };
  }
}
