import {defineConfig} from "vite";
import {svelte} from "@sveltejs/vite-plugin-svelte";

// `npm run dev` serves the app on :5173 and forwards the WebSocket to a
// switchboard on :8080 (override with SWITCHBOARD=http://host:port), so the
// client's default URL (same host, /ws) works in development too.
const target = process.env.SWITCHBOARD || "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [svelte()],
  base: "./",
  server: {
    proxy: {"/ws": {target, ws: true}},
  },
  build: {target: "es2020"},
});
