// The app server's settings, from the environment, with the development
// values of switchboard.ini as defaults.
import {env} from "$env/dynamic/private";

/** Signs socket tokens: switchboard's auth.secret. */
export const authSecret = () => env.SWITCHBOARD_AUTH_SECRET ?? "dev-only-auth-secret";
/** switchboard's api.key, for publishing notifications. */
export const apiKey = () => env.SWITCHBOARD_API_KEY ?? "dev-only-api-key";
/** Where this server reaches switchboard's HTTP API. */
export const switchboardUrl = () => env.SWITCHBOARD_URL ?? "http://127.0.0.1:8080";
/** Signs the session cookie (any long random string in production). */
export const sessionSecret = () => env.SESSION_SECRET ?? "dev-only-session-secret";
