import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as ses from "aws-cdk-lib/aws-ses";
import { Construct } from "constructs";
import type { EnvironmentConfig } from "../config.js";
import { acknowledgeNag } from "../nag.js";
import type { EmailLink, LinkedFunction } from "./function-links.js";
import { configurationSetName } from "./ses-events.js";

/**
 * Sending email: the SES identity (when the config asks this stack to create it) and the one
 * right every email sender gets, SendEmail as that identity through the environment's
 * configuration set (SES authorizes a send against both). The set lives in the Auth stack,
 * which deploys first, so it is named rather than referenced.
 */
export class EmailSending extends Construct implements EmailLink {
  readonly configurationSetName: string;
  private readonly statement: iam.PolicyStatement;

  constructor(
    scope: Construct,
    id: string,
    private readonly config: EnvironmentConfig,
  ) {
    super(scope, id);
    this.configurationSetName = configurationSetName(config.name);
    if (config.createSesIdentity) {
      new ses.EmailIdentity(this, "SenderIdentity", {
        identity: config.sesIdentity.includes("@")
          ? ses.Identity.email(config.sesIdentity)
          : ses.Identity.domain(config.sesIdentity),
      });
    }
    const stack = Stack.of(this);
    this.statement = new iam.PolicyStatement({
      actions: ["ses:SendEmail"],
      resources: [
        stack.formatArn({ service: "ses", resource: "identity", resourceName: config.sesIdentity }),
        stack.formatArn({
          service: "ses",
          resource: "configuration-set",
          resourceName: this.configurationSetName,
        }),
        // In the sandbox SES authorizes the recipients' (verified) identities as well.
        ...(config.sesSandbox
          ? [stack.formatArn({ service: "ses", resource: "identity", resourceName: "*" })]
          : []),
      ],
    });
  }

  grantSend(fn: LinkedFunction): void {
    fn.function.addToRolePolicy(this.statement);
    if (!this.config.sesSandbox) return;
    acknowledgeNag(fn.role, [
      {
        id: "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]",
        reason:
          "SES sandbox (non-production): SES checks SendEmail against every recipient's verified identity, which cannot be listed in advance; production sends as its one identity only.",
      },
    ]);
  }
}
