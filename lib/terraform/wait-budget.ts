/**
 * How long one `terraform apply` waits on Kubernetes, split between the waits that follow each other: the
 * cert-manager Certificate when there is one (Terraform waits until it is Ready; the StatefulSet depends on it), the
 * StatefulSet's rollout (Terraform waits for it: wait_for_rollout) and then the collection-init Job (it starts after
 * the rollout; Terraform waits for it: wait_for_completion). Past the budget Terraform stops waiting and the apply
 * fails with a timeout on that resource; the rollout goes on in the cluster (QdrantRolloutStuck watches it). The
 * budget exists because the EKS token is fetched once per apply and lives 15 minutes (stack-settings.ts).
 */
import { Fn, Op, Token } from "cdktf";
import { isUnresolvedToken } from "../config/tokens";

export interface WaitBudget {
  /** Terraform's wait for the StatefulSet's rollout (create and update), e.g. "9m". */
  readonly rolloutTimeout: string;
  /** Terraform's wait for the collection-init Job (create and update), e.g. "3m". */
  readonly jobTimeout: string;
  /** The Job's activeDeadlineSeconds: it fails by itself half a minute before Terraform would stop waiting. */
  readonly jobDeadlineSeconds: number;
  /** The Job script's limit for each of its two waits (readiness, then peers): within the deadline. */
  readonly jobWaitSeconds: number;
}

const CERTIFICATE_MINUTES = 1;
/** Terraform's wait for the cert-manager Certificate to be Ready (create and update): a minute of the rollout's share. */
export const CERTIFICATE_TIMEOUT = `${CERTIFICATE_MINUTES}m`;

/**
 * A quarter of the budget (at least a minute) for the Job, a minute for the Certificate when cert-manager issues one
 * (a CA or Vault issuer signs in seconds), the rest for the rollout.
 */
export function waitBudget(applyWaitMinutes: number, startupTimeoutSeconds: number, certificate = false): WaitBudget {
  if (isUnresolvedToken(applyWaitMinutes) || isUnresolvedToken(startupTimeoutSeconds)) {
    const job = Fn.ceil(Op.div(applyWaitMinutes, 4));
    const deadline = Op.sub(Op.mul(job, 60), 30);
    const rollout = Op.sub(applyWaitMinutes, job);
    return {
      rolloutTimeout: Token.asString(Fn.format("%dm", [certificate ? Op.sub(rollout, CERTIFICATE_MINUTES) : rollout])),
      jobTimeout: Token.asString(Fn.format("%dm", [job])),
      jobDeadlineSeconds: Token.asNumber(deadline),
      jobWaitSeconds: Token.asNumber(Fn.min([startupTimeoutSeconds, Fn.floor(Op.div(Op.sub(deadline, 30), 2))])),
    };
  }
  const job = Math.ceil(applyWaitMinutes / 4);
  const deadline = job * 60 - 30;
  return {
    rolloutTimeout: `${applyWaitMinutes - job - (certificate ? CERTIFICATE_MINUTES : 0)}m`,
    jobTimeout: `${job}m`,
    jobDeadlineSeconds: deadline,
    jobWaitSeconds: Math.min(startupTimeoutSeconds, Math.floor((deadline - 30) / 2)),
  };
}
