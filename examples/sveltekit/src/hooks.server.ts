// Every request: the session cookie says who the user is, and the socket
// token is minted here from it. The token travels as the switchboard_token
// cookie, which the browser sends with the WebSocket upgrade to this origin
// (the Vite plugin's proxy in development, server.js in production), so
// pages call wsStore({stream, clients}) with nothing else.
import type {Handle} from "@sveltejs/kit";
import {authSecret, sessionSecret} from "$lib/server/config";
import {expiryOf, readSession, socketToken} from "$lib/server/tokens";

const TOKEN_SECONDS = 12 * 60 * 60;

export const handle: Handle = async ({event, resolve}) => {
  const user = readSession(event.cookies.get("session"), sessionSecret());
  event.locals.user = user;
  if (user) {
    // A fresh token when there is none, or it has less than half its life left.
    const current = event.cookies.get("switchboard_token");
    if (expiryOf(current) - Date.now() / 1000 < TOKEN_SECONDS / 2) {
      const {token} = socketToken(user, authSecret(), TOKEN_SECONDS);
      event.cookies.set("switchboard_token", token, {path: "/", httpOnly: true, sameSite: "strict", secure: event.url.protocol === "https:", maxAge: TOKEN_SECONDS});
    }
  }
  return resolve(event);
};
