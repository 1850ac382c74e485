import {sveltekit} from "@sveltejs/kit/vite";
import {switchboard} from "@switchboard/vite";
import {defineConfig} from "vite";

// `npm run dev` starts a switchboard (the `switchboard` on PATH, or
// $SWITCHBOARD_BIN) with switchboard.ini, or uses the one already running
// on its port, and forwards /ws to it: pages connect to their own origin.
// SWITCHBOARD_CONFIG_FILE picks another config file (the server reads the
// same variable, so both agree).
export default defineConfig({
  plugins: [sveltekit(), switchboard({config: process.env.SWITCHBOARD_CONFIG_FILE ?? "switchboard.ini"})],
});
