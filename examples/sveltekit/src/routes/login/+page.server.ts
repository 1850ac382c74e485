// Signing in only names the user: enough for an example. A real app checks
// a password or an identity provider here, then sets the same cookie.
import {fail, redirect} from "@sveltejs/kit";
import {sessionSecret} from "$lib/server/config";
import {signSession} from "$lib/server/tokens";
import type {Actions} from "./$types";

export const actions: Actions = {
  default: async ({request, cookies, url}) => {
    const name = String((await request.formData()).get("name") ?? "").trim().slice(0, 40);
    if (!name) return fail(400, {error: "Give a name"});
    const id = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "user";
    cookies.set("session", signSession({id, name}, sessionSecret()), {path: "/", httpOnly: true, sameSite: "lax", secure: url.protocol === "https:"});
    cookies.delete("switchboard_token", {path: "/"}); // a new user, a new token
    redirect(303, "/rooms/lobby");
  },
};
