import type * as apigw from "aws-cdk-lib/aws-apigateway";
import * as wafv2 from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";

export interface WebAclProps {
  environmentName: string;
  stage: apigw.Stage;
  /** Requests one client IP may send in any 5-minute window before WAF blocks it. */
  requestsPerIpPer5Minutes: number;
}

/** WAF in front of the API stage: a per-IP rate limit, then AWS's managed common rule set. */
export class WebAcl extends Construct {
  readonly acl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: `hearth-${props.environmentName}-${metricName}`,
      sampledRequestsEnabled: true,
    });
    this.acl = new wafv2.CfnWebACL(this, "Acl", {
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: visibility("api"),
      rules: [
        {
          name: "RequestsPerIp",
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: props.requestsPerIpPer5Minutes, aggregateKeyType: "IP" },
          },
          visibilityConfig: visibility("requests-per-ip"),
        },
        {
          name: "AWSManagedRulesCommonRuleSet",
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" },
          },
          visibilityConfig: visibility("common-rule-set"),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, "Association", {
      webAclArn: this.acl.attrArn,
      resourceArn: props.stage.stageArn,
    });
  }
}
