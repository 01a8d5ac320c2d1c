import type { Logger } from "@aws-lambda-powertools/logger";
import { isMember, MembershipRevokedError, type RevocationList } from "@hearth/domain";
import { REALTIME_TOKEN_PARAMETER, type RealtimeAuthorizerContext } from "@hearth/views/realtime-protocol";
import type { APIGatewayAuthorizerResult } from "aws-lambda";
import type { IdTokenVerifier } from "./token-verifier.js";

/** The part of a WebSocket `$connect` REQUEST authorizer event the authorizer reads. */
export interface RealtimeAuthorizerEvent {
  methodArn: string;
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext?: { connectionId?: string; routeKey?: string };
}

export type RealtimeAuthorizerResult = APIGatewayAuthorizerResult & {
  context?: RealtimeAuthorizerContext;
};

export interface RealtimeAuthorizerDependencies {
  verifyIdToken: IdTokenVerifier;
  /** A token issued before its holder's membership ended is refused (the list is read at most once a minute). */
  revocations: Pick<RevocationList, "assertNotRevoked">;
  logger: Pick<Logger, "info" | "warn">;
}

/** Who is refused is logged by reason only: never the token. */
export type RefusalReason = "missing" | "invalid" | "expired" | "not_member" | "revoked";

function policy(
  principalId: string,
  effect: "Allow" | "Deny",
  methodArn: string,
  context?: RealtimeAuthorizerContext,
): RealtimeAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: methodArn }],
    },
    ...(context ? { context } : {}),
  };
}

function groupsOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim === "string" && claim.trim()) return claim.split(",").map((group) => group.trim());
  return [];
}

/**
 * The `$connect` authorizer: a verified ID token of a member (ApprovedUsers or Admins) is
 * let in with its identity as the context of every route of the connection; anything else
 * is refused at the handshake (Deny, which API Gateway answers with 403), so no connection
 * is ever stored for it.
 */
export function createRealtimeAuthorizer(deps: RealtimeAuthorizerDependencies) {
  return async (event: RealtimeAuthorizerEvent): Promise<RealtimeAuthorizerResult> => {
    const refuse = (reason: RefusalReason) => {
      deps.logger.info("WebSocket connection refused", {
        reason,
        connectionId: event.requestContext?.connectionId,
      });
      return policy("anonymous", "Deny", event.methodArn);
    };
    const verification = await deps.verifyIdToken(event.queryStringParameters?.[REALTIME_TOKEN_PARAMETER]);
    if (!verification.ok) return refuse(verification.reason);
    const { payload } = verification;
    const userId = typeof payload.sub === "string" ? payload.sub : "";
    if (!userId) return refuse("invalid");
    const groups = groupsOf(payload["cognito:groups"]);
    if (!isMember({ groups })) return refuse("not_member");
    const issuedAt = typeof payload.iat === "number" ? new Date(payload.iat * 1000) : undefined;
    try {
      await deps.revocations.assertNotRevoked(userId, issuedAt);
    } catch (error) {
      if (error instanceof MembershipRevokedError) return refuse("revoked");
      throw error;
    }
    const name = typeof payload.name === "string" ? payload.name.trim() : "";
    return policy(userId, "Allow", event.methodArn, {
      userId,
      groups: groups.join(","),
      ...(name ? { displayName: name } : {}),
    });
  };
}
