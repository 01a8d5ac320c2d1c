import type { FunctionManifest } from "@hearth/domain";
import { handlerEntry } from "../processor-manifest.js";

/**
 * The Cognito sign-in trigger (pre token generation): keeps the profile's membership mark in
 * step with the groups (profiles are only ever changed by atomic UpdateItems there), and puts a
 * member taken out of the groups outside Hearth on the revocation list (one PutItem).
 */
export const signInManifest = {
  name: "auth-sign-in",
  kind: "trigger",
  entry: handlerEntry(import.meta.url),
  description: "sign-in trigger: profile and membership mark",
  // Cognito waits at most 5 seconds for a trigger.
  timeoutSeconds: 5,
  memoryMb: 256,
  tables: { UserProfiles: "readUpdate", Revocations: "readWrite" },
  settings: [],
} as const satisfies FunctionManifest<"auth-sign-in">;
