import { tableSpec } from "@hearth/domain";
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES, fixtureConfig } from "../src/config.js";
import { TABLE_ACTIONS } from "../src/grants.js";
import {
  alarmsOf,
  asArray,
  describeResource,
  logicalId,
  roleStatements,
  SIGN_IN_TABLE_ACCESS,
  synthesize,
} from "./helpers.js";

describe.each(ENVIRONMENT_NAMES)("the %s environment", (envName) => {
  const config = fixtureConfig(envName);
  const env = synthesize(envName);

  describe("auth", () => {
    it("has an email sign-in pool with a strong password policy", () => {
      env.auth.hasResourceProperties("AWS::Cognito::UserPool", {
        UsernameAttributes: ["email"],
        AutoVerifiedAttributes: ["email"],
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
        DeletionProtection: config.production ? "ACTIVE" : "INACTIVE",
      });
    });

    it("has a secretless web client with SRP and refresh flows", () => {
      env.auth.hasResourceProperties("AWS::Cognito::UserPoolClient", {
        GenerateSecret: false,
        ExplicitAuthFlows: Match.arrayEquals(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
      });
    });

    it("runs the sign-in trigger at Pre Token Generation, with a grant to update profiles and record revocations only", () => {
      const trigger = logicalId(env.stacks.auth.signInTrigger.function.node.defaultChild);
      env.auth.hasResourceProperties("AWS::Cognito::UserPool", {
        LambdaConfig: { PreTokenGeneration: { "Fn::GetAtt": [trigger, "Arn"] } },
      });
      env.auth.hasResourceProperties("AWS::Lambda::Permission", {
        Action: "lambda:InvokeFunction",
        Principal: "cognito-idp.amazonaws.com",
        FunctionName: { "Fn::GetAtt": [trigger, "Arn"] },
      });
      const statements = roleStatements(env.auth, trigger).filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith("dynamodb:")),
      );
      // Reads plus UpdateItem on UserProfiles and its indexes: no Put, no Delete; and the
      // revocation list (a member found taken out of the groups), nothing else.
      expect(statements).toHaveLength(2);
      const onProfiles = statements.find((statement) =>
        asArray(statement.Resource).some((r) => describeResource(env, r) === "table:UserProfiles"),
      )!;
      const onRevocations = statements.find((statement) => statement !== onProfiles)!;
      expect(asArray(onRevocations.Resource).map((r) => describeResource(env, r))).toEqual([
        "table:Revocations",
      ]);
      expect(asArray(onProfiles.Action).sort()).toEqual([...TABLE_ACTIONS.readUpdate].sort());
      expect(
        asArray(onProfiles.Resource)
          .map((r) => describeResource(env, r))
          .sort(),
      ).toEqual(
        [
          "table:UserProfiles",
          ...tableSpec("UserProfiles").globalSecondaryIndexes!.map(
            (i) => `index:UserProfiles/${i.indexName}`,
          ),
        ].sort(),
      );
      expect(SIGN_IN_TABLE_ACCESS).toEqual({ UserProfiles: "readUpdate", Revocations: "readWrite" });
    });

    it("alarms on errors of the sign-in trigger", () => {
      const alarms = alarmsOf(env);
      expect(
        alarms.filter((a) => a.MetricName === "Errors" && /signin/i.test(JSON.stringify(a.Dimensions))),
      ).toHaveLength(1);
    });

    it.each(["Admins", "ApprovedUsers"])("has the %s group", (groupName) => {
      env.auth.hasResourceProperties("AWS::Cognito::UserPoolGroup", { GroupName: groupName });
    });
  });
});
