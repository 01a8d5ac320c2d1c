import type { APIGatewayProxyEvent } from "aws-lambda";

export interface ProxyEventInput {
  /** The route API Gateway matched: its method and resource path template. */
  route: { method: string; resource: string };
  /** The request path without the query string, still percent-encoded. */
  path: string;
  /** Still percent-encoded, as API Gateway passes them. */
  pathParameters: Readonly<Record<string, string>>;
  /** Decoded query pairs in request order; a repeated name keeps its last value in the single-value map. */
  query: Iterable<readonly [string, string]>;
  /** Header pairs as sent, original casing; a repeated name keeps its last value in the single-value map. */
  headers: Iterable<readonly [string, string]>;
  body: string | null;
  isBase64Encoded?: boolean;
  /** The Cognito authorizer's claims (a flat map of strings); `null` for no authorizer context. */
  claims: Record<string, string> | null;
  /** The API's host name, as in the request's Host header. */
  domainName: string;
  sourceIp: string;
  stage: string;
  requestId: string;
  requestTime: Date;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** API Gateway's `requestTime` format: `09/Apr/2015:12:34:56 +0000`. */
function requestTimeOf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${time} +0000`;
}

/** Pairs into API Gateway's single- and multi-value maps; `null` for both when there are none. */
function valueMaps(pairs: Iterable<readonly [string, string]>) {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of pairs) {
    single[name] = value;
    multi[name] = [...(multi[name] ?? []), value];
  }
  return Object.keys(single).length > 0 ? { single, multi } : undefined;
}

/**
 * A REST API (v1) proxy event exactly as API Gateway builds it for a Cognito-authorized
 * route. The local gateway and the handler tests both build their events here.
 */
export function buildProxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  const headers = valueMaps(input.headers);
  const query = valueMaps(input.query);
  const hasPathParameters = Object.keys(input.pathParameters).length > 0;
  const userAgent =
    Object.entries(headers?.single ?? {}).find(([name]) => name.toLowerCase() === "user-agent")?.[1] ?? null;
  return {
    resource: input.route.resource,
    path: input.path,
    httpMethod: input.route.method,
    headers: headers?.single ?? {},
    multiValueHeaders: headers?.multi ?? {},
    queryStringParameters: query?.single ?? null,
    multiValueQueryStringParameters: query?.multi ?? null,
    pathParameters: hasPathParameters ? { ...input.pathParameters } : null,
    stageVariables: null,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      authorizer: input.claims ? { claims: input.claims } : null,
      domainName: input.domainName,
      domainPrefix: input.domainName.split(".")[0] ?? input.domainName,
      extendedRequestId: input.requestId,
      httpMethod: input.route.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: input.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: `/${input.stage}${input.path}`,
      protocol: "HTTP/1.1",
      requestId: input.requestId,
      requestTime: requestTimeOf(input.requestTime),
      requestTimeEpoch: input.requestTime.getTime(),
      resourceId: "local",
      resourcePath: input.route.resource,
      stage: input.stage,
    },
    body: input.body,
    isBase64Encoded: input.isBase64Encoded ?? false,
  };
}
