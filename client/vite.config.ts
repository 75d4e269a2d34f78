// Vite config of the browser client. `vite build` (run by `npm start` and `npm test` when dist/ is
// missing or stale) writes client/dist, which the game server serves on its own port (same origin).
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: {
    // `npm run dev -w client`: proxy the API and the rooms to a game server on 2567.
    proxy: { "/api": "http://localhost:2567", "/matchmake": "http://localhost:2567" },
    fs: { allow: [".."] },
  },
});
