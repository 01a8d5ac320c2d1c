import { API_MANIFESTS, type ApiArea } from "@hearth/api-handlers";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import type { FunctionLinks } from "./function-links.js";
import { HearthFunction } from "./hearth-function.js";
import { RestApi } from "./rest-api.js";
import { WebAcl } from "./web-acl.js";

export interface ApiFunctionsProps {
  /** What the areas' manifests take: tables, the files bucket, the cursor secret, the user pool. */
  links: FunctionLinks & { userPool: cognito.IUserPool };
}

/**
 * The REST API: one function per area of the route table (built from its manifest), the API
 * Gateway REST API generated from the route table in front of them, and the WAF web ACL when
 * the environment enables it.
 */
export class ApiFunctions extends Construct {
  readonly functions: Record<ApiArea, HearthFunction>;
  readonly restApi: RestApi;
  readonly webAcl?: WebAcl;

  constructor(scope: Construct, id: string, props: ApiFunctionsProps) {
    super(scope, id);
    const { config } = props.links;
    const areas = Object.keys(API_MANIFESTS) as ApiArea[];
    this.functions = Object.fromEntries(
      areas.map((area) => {
        const manifest = API_MANIFESTS[area];
        return [area, new HearthFunction(scope, manifest.name, { manifest, config, links: props.links })];
      }),
    ) as Record<ApiArea, HearthFunction>;
    this.restApi = new RestApi(scope, "RestApi", {
      config,
      userPool: props.links.userPool,
      handlers: Object.fromEntries(
        areas.map((area): [ApiArea, lambda.IFunction] => [area, this.functions[area].function]),
      ) as Record<ApiArea, lambda.IFunction>,
    });
    if (config.waf.enabled) {
      this.webAcl = new WebAcl(scope, "Waf", {
        environmentName: config.name,
        stage: this.restApi.api.deploymentStage,
        requestsPerIpPer5Minutes: config.waf.requestsPerIpPer5Minutes,
      });
    }
  }
}
