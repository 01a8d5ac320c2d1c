import { Aws, type RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as ses from "aws-cdk-lib/aws-ses";
import * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";

export interface SesEventsProps {
  environmentName: string;
  removalPolicy: RemovalPolicy;
}

/** The configuration set's name: known before deploy, so functions and the user pool can name it. */
export function configurationSetName(environmentName: string): string {
  return `hearth-${environmentName}`;
}

/**
 * The SES configuration set every email of the environment is sent through (the app's and
 * Cognito's), with an event destination that publishes its bounces and complaints to an SNS
 * topic; the SES event function subscribes to it and suppresses those addresses. SNS rather
 * than EventBridge: a topic scoped to these two events of this configuration set is the
 * documented destination of SES feedback, its policy admits exactly this configuration set,
 * and a local simulation only has to wrap an event in an SNS envelope. The topic is encrypted
 * with a key SES may use (its messages carry recipients' addresses). SES's account-level
 * suppression list is switched on for the same reasons as a second line.
 */
export class SesEvents extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: SesEventsProps) {
    super(scope, id);
    const name = configurationSetName(props.environmentName);
    this.key = new kms.Key(this, "TopicKey", {
      description: `Hearth ${props.environmentName}: encrypts the SES bounce and complaint topic`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    // SES encrypts what it publishes to the topic with this key; only for this configuration set.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal("ses.amazonaws.com")],
        actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
        resources: ["*"],
        conditions: {
          StringEquals: {
            "aws:SourceAccount": Aws.ACCOUNT_ID,
            "aws:SourceArn": `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:configuration-set/${name}`,
          },
        },
      }),
    );
    this.topic = new sns.Topic(this, "Topic", {
      displayName: `Hearth ${props.environmentName} SES bounces and complaints`,
      masterKey: this.key,
      enforceSSL: true,
    });
    this.configurationSet = new ses.ConfigurationSet(this, "ConfigurationSet", {
      configurationSetName: name,
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    // CDK adds the topic policy that lets SES publish, for this configuration set only.
    this.configurationSet.addEventDestination("BouncesAndComplaints", {
      configurationSetEventDestinationName: "bounces-and-complaints",
      destination: ses.EventDestination.snsTopic(this.topic),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
  }
}
