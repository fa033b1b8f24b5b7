import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
  dataAwsIamPolicyDocumentStatementToTerraform,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn, ITerraformDependable, Op, Token } from "cdktf";
import { Construct } from "constructs";
import { addBlockList, and, choose, Condition, ConditionalBlock, decidedBlocks, fromPart, isDecided, isSet, not, optionalPart } from "../terraform/conditional";
import { isUnresolvedToken } from "../config/tokens";

export interface BackupIdentityProps {
  readonly mode: "irsa" | "podIdentity";
  readonly clusterName: string;
  /** The stack's cluster lookup, when it has one (IRSA reads the OIDC issuer from it). */
  readonly cluster?: DataAwsEksCluster;
  readonly namespace: string;
  /** The ServiceAccounts that may assume the role (IRSA): the backup one, and the restore one when a restore is asked. */
  readonly serviceAccountNames: string[];
  /** Pod Identity associations: the backup ServiceAccount, and the restore one while its condition holds. */
  readonly backupServiceAccount: string;
  readonly restoreServiceAccount?: { name: string; when: Condition };
  readonly bucketName: string;
  /** The customer's prefix, without a trailing slash. */
  readonly prefix: string;
  readonly kmsKeyArn?: string;
  readonly roleName: string;
}

/**
 * The IAM role the backup, restore and verify pods assume, allowed only the customer's prefix: object actions
 * on <bucket>/<prefix>/*, ListBucket with a prefix condition, no wildcard action or resource. Trusted either
 * through IRSA (the cluster's OIDC provider, StringEquals on both :sub and :aud) or EKS Pod Identity
 * (pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession, plus the association).
 */
export class BackupIdentity extends Construct {
  readonly roleArn: string;
  /** The role, its policy and the Pod Identity associations: what a pod using the role must wait for. */
  readonly dependables: ITerraformDependable[] = [];
  /** Annotations for the ServiceAccount (IRSA); empty with Pod Identity. */
  readonly serviceAccountAnnotations: Record<string, string>;

  constructor(scope: Construct, id: string, props: BackupIdentityProps) {
    super(scope, id);
    // The mode is a literal in the stacks and a variable in the module stack: then both trusts exist, counted.
    const irsa: Condition = isUnresolvedToken(props.mode) ? Op.eq(props.mode, "irsa") : props.mode === "irsa";
    const podIdentity = not(irsa);
    const irsaTrust = optionalPart(irsa, () => new IrsaTrust(this, "irsa", props));
    const podTrust = optionalPart(podIdentity, () =>
      new DataAwsIamPolicyDocument(this, "trust", {
        statement: [{ effect: "Allow", actions: ["sts:AssumeRole", "sts:TagSession"], principals: [{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }] }],
      }),
    );
    const trustJson = choose(irsa, fromPart(irsaTrust, irsaTrust?.document.json, "") as string, fromPart(podTrust, podTrust?.json, "") as string);

    const role = new IamRole(this, "role", {
      name: props.roleName,
      description: `Qdrant backups of ${props.prefix} (namespace ${props.namespace})`,
      assumeRolePolicy: trustJson,
      // A new name replaces the role: the new one exists before the ServiceAccount and policy move to it.
      lifecycle: { createBeforeDestroy: true },
    });

    const bucketArn = `arn:aws:s3:::${props.bucketName}`;
    const kms = isSet(props.kmsKeyArn);
    const kmsStatement = { sid: "BucketKey", effect: "Allow", actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], resources: [props.kmsKeyArn as string] };
    const statements: ConditionalBlock<DataAwsIamPolicyDocumentStatement>[] = [
      {
        when: true,
        block: {
          sid: "BackupObjects",
          effect: "Allow",
          actions: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
          resources: [`${bucketArn}/${props.prefix}/*`],
        },
      },
      {
        when: true,
        block: {
          sid: "ListOwnPrefix",
          effect: "Allow",
          actions: ["s3:ListBucket"],
          resources: [bucketArn],
          condition: [{ test: "StringLike", variable: "s3:prefix", values: [`${props.prefix}/`, `${props.prefix}/*`] }],
        },
      },
      { when: kms, block: kmsStatement },
    ];
    const access = new DataAwsIamPolicyDocument(this, "access", { statement: decidedBlocks(statements) });
    addBlockList(access, "", "statement", statements, dataAwsIamPolicyDocumentStatementToTerraform);
    const policy = new IamRolePolicy(this, "policy", { role: role.id, name: "qdrant-backup-prefix", policy: access.json });
    this.dependables.push(role, policy);

    const associate = (serviceAccount: string, constructId: string, when: Condition) => {
      const association = optionalPart(and(podIdentity, when), () =>
        new EksPodIdentityAssociation(this, constructId, { clusterName: props.clusterName, namespace: props.namespace, serviceAccount, roleArn: role.arn }),
      );
      if (association) this.dependables.push(association);
    };
    associate(props.backupServiceAccount, "association", true);
    if (props.restoreServiceAccount) associate(props.restoreServiceAccount.name, "association-restore", props.restoreServiceAccount.when);
    this.roleArn = role.arn;
    const roleAnnotation = { "eks.amazonaws.com/role-arn": role.arn };
    this.serviceAccountAnnotations = isDecided(irsa) ? (irsa ? roleAnnotation : {}) : Token.asStringMap(Fn.conditional(irsa, roleAnnotation, {}));
  }
}

/** IRSA's trust: the cluster's OIDC provider, StringEquals on both :sub (the ServiceAccounts) and :aud. */
class IrsaTrust extends Construct {
  readonly document: DataAwsIamPolicyDocument;

  constructor(scope: Construct, id: string, props: BackupIdentityProps) {
    super(scope, id);
    const cluster = props.cluster ?? new DataAwsEksCluster(this, "cluster", { name: props.clusterName });
    const issuer = cluster.identity.get(0).oidc.get(0).issuer;
    const provider = new DataAwsIamOpenidConnectProvider(this, "oidc", { url: issuer });
    const host = Fn.replace(issuer, "https://", "");
    this.document = new DataAwsIamPolicyDocument(this, "trust", {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRoleWithWebIdentity"],
          principals: [{ type: "Federated", identifiers: [provider.arn] }],
          condition: [
            { test: "StringEquals", variable: `${host}:sub`, values: serviceAccountSubjects(props.namespace, props.serviceAccountNames) },
            { test: "StringEquals", variable: `${host}:aud`, values: ["sts.amazonaws.com"] },
          ],
        },
      ],
    });
  }
}

/** IRSA `sub` values of the ServiceAccounts; the list is a Terraform expression in the module stack. */
function serviceAccountSubjects(namespace: string, serviceAccountNames: string[]): string[] {
  if (isUnresolvedToken(serviceAccountNames)) return Token.asList(Fn.formatlist("system:serviceaccount:%s:%s", [namespace, serviceAccountNames]));
  return serviceAccountNames.map((sa) => `system:serviceaccount:${namespace}:${sa}`);
}
