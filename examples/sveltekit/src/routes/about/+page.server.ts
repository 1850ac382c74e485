// A backend producing a notification: this server publishes to the user's
// stream through switchboard's HTTP API (PROTOCOL.md §5) with its API key.
import {fail, redirect} from "@sveltejs/kit";
import {apiKey, switchboardUrl} from "$lib/server/config";
import type {Actions, PageServerLoad} from "./$types";

export const load: PageServerLoad = ({locals}) => {
  if (!locals.user) redirect(303, "/login");
};

export const actions: Actions = {
  notify: async ({locals}) => {
    if (!locals.user) return fail(401);
    const res = await fetch(`${switchboardUrl()}/api/publish`, {
      method: "POST",
      headers: {"Content-Type": "application/json", Authorization: `Bearer ${apiKey()}`},
      body: JSON.stringify({
        stream: `user:${locals.user.id}`,
        client: "notifications",
        event: "notification",
        data: {title: `Hello ${locals.user.name}, it is ${new Date().toLocaleTimeString("en")}`},
      }),
    });
    if (!res.ok) return fail(502, {error: `switchboard answered ${res.status}`});
    return {sent: true};
  },
};
