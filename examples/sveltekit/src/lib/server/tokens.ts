// Signed values with node:crypto alone: the session cookie (HMAC) and the
// socket token switchboard verifies (a JWT, HS256, with the user and the
// streams they may attach to; PROTOCOL.md §6).
import {createHmac, timingSafeEqual} from "node:crypto";

export interface User {
  id: string;
  name: string;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");
const hmac = (secret: string, text: string) => createHmac("sha256", secret).update(text).digest("base64url");

/** `<payload>.<mac>`: the session cookie's value. */
export function signSession(user: User, secret: string): string {
  const payload = b64url(JSON.stringify(user));
  return `${payload}.${hmac(secret, payload)}`;
}

export function readSession(cookie: string | undefined, secret: string): User | null {
  if (!cookie) return null;
  const [payload, mac] = cookie.split(".");
  if (!payload || !mac) return null;
  const expected = Buffer.from(hmac(secret, payload));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const user = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return typeof user?.id === "string" && typeof user?.name === "string" ? user : null;
  } catch {
    return null;
  }
}

/** A switchboard token for `user`, valid `seconds`. */
export function socketToken(user: User, secret: string, seconds: number): {token: string; exp: number} {
  const exp = Math.floor(Date.now() / 1000) + seconds;
  const header = b64url(JSON.stringify({alg: "HS256", typ: "JWT"}));
  const claims = b64url(JSON.stringify({
    sub: user.id,
    name: user.name,
    exp,
    // Every room, and the user's own notifications.
    streams: ["room:*", `user:${user.id}`],
  }));
  return {token: `${header}.${claims}.${hmac(secret, `${header}.${claims}`)}`, exp};
}

/** The `exp` of a token we minted (no check: switchboard verifies it). */
export function expiryOf(token: string | undefined): number {
  try {
    return JSON.parse(Buffer.from(token!.split(".")[1], "base64url").toString("utf8")).exp ?? 0;
  } catch {
    return 0;
  }
}
