import { randomBytes } from "node:crypto";
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { StackOutputs } from "../src/outputs.js";

/** Drives the system only from outside: Cognito's API, the HTTP API, the SES inbox. */
export class Outside {
  readonly cognito: CognitoIdentityProviderClient;
  readonly runId = randomBytes(4).toString("hex");

  constructor(readonly outputs: StackOutputs) {
    this.cognito = new CognitoIdentityProviderClient({
      region: outputs.Region,
      ...(outputs.CognitoEndpoint
        ? {
            endpoint: outputs.CognitoEndpoint,
            credentials: { accessKeyId: "local", secretAccessKey: "local" },
          }
        : {}),
    });
  }

  /** A confirmed user in `groups`, signed in; returns their ID token and id. */
  async signUp(name: string, groups: string[]): Promise<User> {
    const email = `${name.toLowerCase()}-${this.runId}@e2e.hearth.test`;
    const password = `E2e-${randomBytes(6).toString("hex")}-Pw1`;
    const { UserPoolId } = this.outputs;
    await this.cognito.send(
      new AdminCreateUserCommand({
        UserPoolId,
        Username: email,
        MessageAction: "SUPPRESS",
        UserAttributes: [
          { Name: "email", Value: email },
          { Name: "email_verified", Value: "true" },
        ],
      }),
    );
    await this.cognito.send(
      new AdminSetUserPasswordCommand({ UserPoolId, Username: email, Password: password, Permanent: true }),
    );
    for (const group of groups) {
      await this.cognito.send(
        new AdminAddUserToGroupCommand({ UserPoolId, Username: email, GroupName: group }),
      );
    }
    const auth = await this.cognito.send(
      new InitiateAuthCommand({
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: this.outputs.UserPoolClientId,
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    const token = auth.AuthenticationResult!.IdToken!;
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { sub: string };
    return { name, email, token, accessToken: auth.AuthenticationResult!.AccessToken!, userId: claims.sub };
  }

  /**
   * A user an admin created with a temporary password (and, if given, a `name` attribute),
   * in `groups`, who then signs in the first time: the password step, then the
   * NEW_PASSWORD_REQUIRED challenge, the way a new family member's first visit goes.
   */
  async adminInvites(name: string, groups: string[], attributes: { name?: string } = {}): Promise<User> {
    const email = `${name.toLowerCase()}-${this.runId}@e2e.hearth.test`;
    const temporary = `Tmp-${randomBytes(6).toString("hex")}-Pw1`;
    const password = `E2e-${randomBytes(6).toString("hex")}-Pw1`;
    const { UserPoolId, UserPoolClientId } = this.outputs;
    await this.cognito.send(
      new AdminCreateUserCommand({
        UserPoolId,
        Username: email,
        TemporaryPassword: temporary,
        MessageAction: "SUPPRESS",
        UserAttributes: [
          { Name: "email", Value: email },
          { Name: "email_verified", Value: "true" },
          ...(attributes.name ? [{ Name: "name", Value: attributes.name }] : []),
        ],
      }),
    );
    for (const group of groups) {
      await this.cognito.send(
        new AdminAddUserToGroupCommand({ UserPoolId, Username: email, GroupName: group }),
      );
    }
    const started = await this.cognito.send(
      new InitiateAuthCommand({
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: UserPoolClientId,
        AuthParameters: { USERNAME: email, PASSWORD: temporary },
      }),
    );
    if (started.ChallengeName !== "NEW_PASSWORD_REQUIRED") {
      throw new Error(`Expected the new-password challenge, got ${started.ChallengeName ?? "tokens"}`);
    }
    const auth = await this.cognito.send(
      new RespondToAuthChallengeCommand({
        ClientId: UserPoolClientId,
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        Session: started.Session,
        ChallengeResponses: { USERNAME: email, NEW_PASSWORD: password },
      }),
    );
    const token = auth.AuthenticationResult!.IdToken!;
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { sub: string };
    return { name, email, token, accessToken: auth.AuthenticationResult!.AccessToken!, userId: claims.sub };
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { as?: User; token?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: T }> {
    const token = options.token ?? options.as?.token;
    const response = await fetch(`${this.outputs.ApiUrl.replace(/\/$/, "")}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(options.body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  /** Emails in the local SES inbox addressed to `email`. */
  async inbox(email: string): Promise<Email[]> {
    if (!this.outputs.SesEndpoint)
      throw new Error("The outputs have no SesEndpoint: emails can only be read locally");
    const response = await fetch(`${this.outputs.SesEndpoint}/store`);
    const store = (await response.json()) as { emails: Email[] };
    return store.emails.filter((mail) => mail.destination.to.includes(email));
  }

  /** Polls until `check` passes (eventual effects: streams, emails). */
  async eventually<T>(
    what: string,
    check: () => Promise<T | undefined | false>,
    timeoutMs = 15_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await check();
      if (result) return result;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export interface User {
  name: string;
  email: string;
  /** The ID token: what the API takes. */
  token: string;
  /** The same sign-in's access token, which the API must refuse (the authorizer wants an ID token). */
  accessToken: string;
  userId: string;
}

export interface Email {
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}
