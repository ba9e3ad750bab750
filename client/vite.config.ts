import { fileURLToPath, URL } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

const api = process.env.ROADCERT_API ?? "http://127.0.0.1:3000";

/**
 * The browser app. `@contracts` is the only way into server code, so the client can share the
 * zod schemas, DTOs and socket event maps but never a service or a model.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [vue()],
  resolve: {
    alias: {
      "@contracts": fileURLToPath(new URL("../server/contracts", import.meta.url)),
      "@": fileURLToPath(new URL("./src", import.meta.url)),
    },
  },
  build: {
    outDir: fileURLToPath(new URL("../dist/client", import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    host: "127.0.0.1",
    proxy: {
      "/api": { target: api, changeOrigin: false },
      "/healthz": { target: api },
      "/readyz": { target: api },
      "/socket.io": { target: api, ws: true },
    },
  },
});
