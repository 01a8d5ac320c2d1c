import * as z from "zod";
import { ConfigurationError } from "../errors.js";

/**
 * Profile photos are uploaded to the files bucket (POST /profile/photo). A link to a photo
 * elsewhere is a request every viewer's browser makes to that host (a tracking pixel learns
 * each viewer's address), so only hosts an environment names in its `photoHosts` (none by
 * default) are accepted, and only those are ever served.
 */
export const PHOTO_HOSTS_ENV = "PHOTO_HOSTS";

const hostName = z.string().regex(z.regexes.domain);

/** Whether `host` is a public host name (the form `photoHosts` entries take). */
export function isPhotoHostName(host: string): boolean {
  return hostName.safeParse(host).success;
}

/**
 * The allowed photo hosts from `PHOTO_HOSTS` (comma-separated host names, none when unset);
 * anything else in the list fails at start-up.
 */
export function photoHostsFromEnv(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const hosts = (env[PHOTO_HOSTS_ENV] ?? "")
    .split(",")
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  const bad = hosts.filter((host) => !isPhotoHostName(host));
  if (bad.length) {
    throw new ConfigurationError(`${PHOTO_HOSTS_ENV} may list host names only (${bad.length} are not)`);
  }
  return hosts;
}

/** Whether `url` (an https photo URL) is on one of `hosts`: its host name exactly, in any case. */
export function isOnPhotoHost(url: string, hosts: readonly string[]): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.protocol === "https:" && hosts.includes(parsed.hostname.toLowerCase());
}
