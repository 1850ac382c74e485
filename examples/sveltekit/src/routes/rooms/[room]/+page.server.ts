import {error, redirect} from "@sveltejs/kit";
import type {PageServerLoad} from "./$types";

const ROOMS = ["lobby", "music", "books", "history"];

export const load: PageServerLoad = ({locals, params}) => {
  if (!locals.user) redirect(303, "/login");
  if (!/^[a-z0-9-]{1,40}$/.test(params.room)) error(404, "No such room");
  return {rooms: ROOMS};
};
