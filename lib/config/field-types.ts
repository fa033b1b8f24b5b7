/** Zod field builders shared by the schema files, each with the message a user sees when a value is wrong. */
import { z } from "zod";
import { isDns1123Label, isQuantity, parseQuantity } from "./kubernetes-formats";
import { isUnresolvedToken } from "./tokens";

/**
 * A check as the published Terraform module's variable validation repeats it (lib/module/variables.ts):
 * `check` names its HCL form there, `error` is the message zod gives for it. Attached with `.meta()`, which
 * parsing ignores; z.toJSONSchema carries it into the JSON schema the module's variables are derived from.
 */
export interface TerraformCheck {
  check: string;
  error: string;
}
export const terraformChecks = (...checks: TerraformCheck[]) => ({ terraformChecks: checks });

const DNS_LABEL_RULE = "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

export const dnsLabel = () =>
  z
    .string()
    .refine((v) => isUnresolvedToken(v) || isDns1123Label(v), { error: `must be ${DNS_LABEL_RULE}` })
    .meta(terraformChecks({ check: "dnsLabel", error: `must be ${DNS_LABEL_RULE}` }));

/** Names that become Service names must also start with a letter (DNS-1035). */
export const serviceName = () =>
  z
    .string()
    .refine((v) => isUnresolvedToken(v) || (isDns1123Label(v) && /^[a-z]/.test(v)), {
      error: `must be ${DNS_LABEL_RULE}, starting with a letter (it names Services)`,
    })
    .meta(terraformChecks({ check: "serviceName", error: `must be ${DNS_LABEL_RULE}, starting with a letter (it names Services)` }));

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
function isLabelKey(key: string): boolean {
  const [prefix, name, ...rest] = key.includes("/") ? key.split("/") : [undefined, key];
  if (rest.length > 0 || !LABEL_NAME.test(name ?? "")) return false;
  return prefix === undefined || (prefix.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(prefix));
}

/** A map of Kubernetes labels: keys `[prefix/]name`, values at most 63 of [A-Za-z0-9-_.] (or empty). */
export const labelMap = () =>
  z
    .record(
      z
        .string()
        .refine(isLabelKey, { error: "label keys are [prefix/]name: name up to 63 letters, digits, '-', '_', '.'" })
        .meta(terraformChecks({ check: "labelKey", error: "label keys are [prefix/]name: name up to 63 letters, digits, '-', '_', '.'" })),
      z
        .string({ error: "label values must be strings (quote numbers and booleans)" })
        .refine((v) => v === "" || LABEL_NAME.test(v), { error: "label values are up to 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit" })
        .meta(terraformChecks({ check: "labelValue", error: "label values are up to 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit" })),
    );

/**
 * A Kubernetes quantity. Never negative (Kubernetes rejects those at apply); with `positive`, also not zero, the
 * reason saying why zero cannot work there.
 */
export const quantity = (example: string, positive?: string) => {
  const malformed = `must be a Kubernetes quantity such as "${example}"`;
  const negative = "must not be negative (Kubernetes rejects negative quantities)";
  const zero = `must be greater than zero (${positive})`;
  const valueOf = (v: string) => (isUnresolvedToken(v) ? undefined : parseQuantity(v));
  const checks = [
    { check: "quantity", error: malformed },
    { check: "notNegativeQuantity", error: negative },
    ...(positive ? [{ check: "positiveQuantity", error: zero }] : []),
  ];
  const schema = z
    .string()
    .refine((v) => isUnresolvedToken(v) || isQuantity(v), { error: malformed })
    .refine((v) => isUnresolvedToken(v) || !v.startsWith("-"), { error: negative });
  return (positive ? schema.refine((v) => (valueOf(v) ?? 1) !== 0, { error: zero }) : schema).meta(terraformChecks(...checks));
};

/** An integer in a range; `unit` explains the number in the message ("dimensions"). */
export const wholeNumber = (min: number, max?: number, unit?: string) => {
  const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
  const error = `must be a whole number ${range}${unit ? ` (${unit})` : ""}`;
  const schema = z.number({ error }).int({ error }).min(min, { error });
  return (max === undefined ? schema : schema.max(max, { error })).meta(terraformChecks({ check: "whole", error }));
};
