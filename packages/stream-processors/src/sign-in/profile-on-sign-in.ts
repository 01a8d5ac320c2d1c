import type { Logger } from "@aws-lambda-powertools/logger";
import {
  AccountDeletedError,
  displayNameFrom,
  type InvocationTracer,
  isMember,
  type ProfilesRepository,
  type RevocationsRepository,
  type SignInIdentity,
  traceInvocation,
} from "@hearth/domain";
import type { PreTokenGenerationTriggerEvent } from "aws-lambda";

/**
 * The Cognito Pre Token Generation trigger: every time the user pool issues tokens (a
 * password sign-in, the new-password step of a user an admin created, a refresh) it makes
 * sure the person has a profile and that the profile's membership mark matches the groups
 * the tokens will carry. It never blocks a sign-in: a failure is logged and the event is
 * returned unchanged (the next sign-in or refresh tries again).
 */
export interface SignInTriggerDependencies {
  profiles: Pick<ProfilesRepository, "ensureOnSignIn">;
  /** A member found taken out of the groups: their earlier tokens are refused from now on. */
  revocations: Pick<RevocationsRepository, "recordRevocation">;
  logger: Logger;
  /** X-Ray: each sign-in runs in a subsegment `## sign-in`; the DynamoDB client is captured. */
  tracer: InvocationTracer;
}

/** The profile a sign-in stands for: the user pool's `name`, else the email's local part. */
export function signInIdentityOf(event: PreTokenGenerationTriggerEvent): {
  userId: string | undefined;
  identity: SignInIdentity;
} {
  const attributes = event.request.userAttributes ?? {};
  const email = attributes.email?.trim() || undefined;
  // An unshowable name (markup only, or nested too deep) falls through and never blocks a sign-in.
  const displayName = displayNameFrom([attributes.name, email?.split("@")[0]]);
  // Cognito hands the user's groups to this trigger as the groups the tokens would carry.
  const groups = event.request.groupConfiguration?.groupsToOverride ?? [];
  return {
    userId: attributes.sub,
    identity: {
      email,
      displayName,
      isMember: isMember({ groups }),
      // The pool's own name for the user (a UUID, or the email in pools without an alias), for admin calls.
      cognitoUsername: event.userName || undefined,
    },
  };
}

export function createSignInTrigger(deps: SignInTriggerDependencies) {
  return (event: PreTokenGenerationTriggerEvent): Promise<PreTokenGenerationTriggerEvent> =>
    traceInvocation(deps.tracer, "sign-in", { triggerSource: event.triggerSource }, () =>
      ensureProfile(event),
    );

  async function ensureProfile(
    event: PreTokenGenerationTriggerEvent,
  ): Promise<PreTokenGenerationTriggerEvent> {
    const { userId, identity } = signInIdentityOf(event);
    if (!userId) {
      deps.logger.warn("Token generation without a sub attribute; no profile made", {
        triggerSource: event.triggerSource,
      });
      return event;
    }
    try {
      const { leftGroups } = await deps.profiles.ensureOnSignIn(userId, identity);
      // Tokens issued on other devices before this one still carry the groups: refuse them.
      if (leftGroups) await deps.revocations.recordRevocation(userId, "left-groups");
      deps.logger.info("Profile ensured at sign-in", {
        userId,
        isMember: identity.isMember,
        leftGroups,
        triggerSource: event.triggerSource,
      });
    } catch (error) {
      if (error instanceof AccountDeletedError) {
        // The tombstone refused the write: a deleted account gets no profile back.
        deps.logger.warn("Sign-in of a deleted account; no profile recreated", {
          userId,
          triggerSource: event.triggerSource,
        });
        return event;
      }
      deps.logger.error("Could not ensure the profile at sign-in; the sign-in goes on", {
        userId,
        triggerSource: event.triggerSource,
        error,
      });
    }
    return event;
  }
}
