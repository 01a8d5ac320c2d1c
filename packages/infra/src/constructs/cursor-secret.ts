import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { type EnvironmentConfig, removalPolicyOf } from "../config.js";
import { acknowledgeNag } from "../nag.js";

/**
 * The HMAC key that signs pagination cursors (and, derived from it, unsubscribe links). The
 * functions that read it get its ARN and GetSecretValue on it alone (the `cursorSecret` setting).
 */
export class CursorSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, config: EnvironmentConfig) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, "Secret", {
      description: `Hearth ${config.name}: HMAC key that signs pagination cursors`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: removalPolicyOf(config),
    });
    acknowledgeNag(this.secret, [
      {
        id: "AwsSolutions-SMG4",
        reason:
          "No rotation schedule: the key only signs pagination cursors (no data is protected by it), and rotating it needs no coordination - an operator runs `aws secretsmanager put-secret-value` with a new random value (README, Secrets), Secrets Manager moves the old value to AWSPREVIOUS, and the API functions read both at runtime (5 minute cache), so open cursors keep working. A rotation Lambda would add a function to run and alarm for no security gain.",
      },
    ]);
  }
}
