import { randomBytes } from "node:crypto";
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { createHearthClient, type HearthClient } from "@hearth/client";
import type { StackOutputs } from "../src/outputs.js";
import { ContractValidator } from "./contract.js";

/**
 * Drives the system only from outside: Cognito's API, the HTTP API, the SES inbox. Every
 * API answer, through the typed client or `call`, is checked against the OpenAPI document.
 */
export class Outside {
  readonly cognito: CognitoIdentityProviderClient;
  readonly runId = randomBytes(4).toString("hex");
  readonly contract = new ContractValidator();
  private readonly apiBase: URL;

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
    this.apiBase = new URL(outputs.ApiUrl.endsWith("/") ? outputs.ApiUrl : `${outputs.ApiUrl}/`);
  }

  /**
   * `fetch` for the API that checks each answer against the contract (a ContractViolation
   * fails the test) and hands it back unread.
   */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const text = await response.text();
    const url = new URL(request.url);
    const stagePrefix = this.apiBase.pathname.replace(/\/$/, "");
    const rawPath = url.pathname.startsWith(stagePrefix)
      ? url.pathname.slice(stagePrefix.length)
      : url.pathname;
    // Pages (text/html) are checked as text; everything else the API answers is JSON.
    const isHtml = (response.headers.get("content-type") ?? "").startsWith("text/html");
    const body = isHtml ? text : text ? JSON.parse(text) : undefined;
    this.contract.check(
      request.method,
      rawPath || "/",
      response.status,
      body,
      isHtml ? "text/html" : undefined,
    );
    return new Response(text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };

  /** The typed `@hearth/client` signed in as `user` (or with a raw `token`), contract-checked. */
  client(as: User | { token: string }): HearthClient {
    return createHearthClient({
      apiUrl: this.outputs.ApiUrl,
      idToken: async () => as.token,
      fetch: this.fetch,
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
    return signedInUser(name, email, password, auth.AuthenticationResult);
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
    return signedInUser(name, email, password, auth.AuthenticationResult);
  }

  /** A raw request, for what the typed client will not send (malformed input, no or bad tokens). */
  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: {
      as?: User;
      token?: string;
      body?: unknown;
      /** Sent exactly as given, with no Content-Type unless `headers` names one. */
      rawBody?: string;
      /** More request headers (`Idempotency-Key`, another `Content-Type`). */
      headers?: Record<string, string>;
    } = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const token = options.token ?? options.as?.token;
    const response = await this.fetch(`${this.outputs.ApiUrl.replace(/\/$/, "")}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(options.body !== undefined ? { "Content-Type": "application/json" } : {}),
        ...options.headers,
      },
      body: options.rawBody ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, headers: response.headers };
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

/** The user a successful sign-in gives, with the id (`sub`) read from their ID token. */
function signedInUser(
  name: string,
  email: string,
  password: string,
  result: { IdToken?: string; AccessToken?: string } | undefined,
): User {
  const token = result!.IdToken!;
  const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { sub: string };
  return { name, email, password, token, accessToken: result!.AccessToken!, userId: claims.sub };
}

export interface User {
  name: string;
  email: string;
  /** For signing in again (the browser test's page does). */
  password: string;
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
  /** The headers SESv2 SendEmail carried (simple content), e.g. List-Unsubscribe. */
  headers?: { name: string; value: string }[];
  at: number;
}
