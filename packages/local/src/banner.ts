import { DOCS_PATH, OPENAPI_PATH } from "./api-docs.js";
import type { StackOutputs } from "./outputs.js";
import { DEMO_USERS } from "./seed.js";

/** What `pnpm dev` prints once everything answers. */
export function readyBanner(
  outputs: StackOutputs,
  options: { outputsFile: string; dataDir: string; seconds: number },
): string {
  const signIn =
    `aws cognito-idp initiate-auth --endpoint-url ${outputs.CognitoEndpoint} --region ${outputs.Region} ` +
    `--client-id ${outputs.UserPoolClientId} --auth-flow USER_PASSWORD_AUTH ` +
    `--auth-parameters USERNAME=${DEMO_USERS.member.email},PASSWORD=${DEMO_USERS.member.password}`;
  return [
    "",
    `Hearth is running locally (ready in ${options.seconds.toFixed(1)} s)`,
    "",
    `  API            ${outputs.ApiUrl}`,
    `  API docs       ${new URL(DOCS_PATH, outputs.ApiUrl)}  (OpenAPI: ${new URL(OPENAPI_PATH, outputs.ApiUrl)})`,
    ...(outputs.WebSocketUrl ? [`  WebSocket      ${outputs.WebSocketUrl}?token=<ID token>`] : []),
    `  Email inbox    ${outputs.SesEndpoint}/`,
    `  SES events     POST a bounce or complaint to ${outputs.SesEventsEndpoint}`,
    `  Cognito        ${outputs.CognitoEndpoint}  (pool ${outputs.UserPoolId}, client ${outputs.UserPoolClientId})`,
    `  DynamoDB       ${outputs.DynamoDbEndpoint}`,
    `  S3             ${outputs.S3Endpoint}  (bucket ${outputs.AttachmentsBucket})`,
    `  Outputs        ${options.outputsFile}`,
    "",
    `  Demo admin     ${DEMO_USERS.admin.email} / ${DEMO_USERS.admin.password}`,
    `  Demo member    ${DEMO_USERS.member.email} / ${DEMO_USERS.member.password}`,
    "",
    "  Sign in (ID token in AuthenticationResult.IdToken):",
    `    ${signIn}`,
    "",
    `Ctrl-C stops everything; data stays in ${options.dataDir} (pnpm dev --reset starts clean).`,
    "",
  ].join("\n");
}
