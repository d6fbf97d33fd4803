/// <reference types="vitest/config" />
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

// The API serves web/dist at "/" with an SPA fallback; in development Vite proxies the API.
const api = globalThis.process?.env?.HOUSESCAN_API ?? "http://127.0.0.1:8000";

/** Emit sw.js from sw-template.js with the list of built files to precache (the app shell). */
function serviceWorker(): Plugin {
  return {
    name: "housescan-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      // The admin page's chunk (with its chart library) is fetched when an admin opens it, not precached on every phone.
      const files = Object.keys(bundle).filter((f) => !f.endsWith(".map") && f !== "sw.js" && !/^assets\/AdminPage-/.test(f));
      const publicFiles = [
        "manifest.webmanifest",
        "icons/icon.svg",
        "icons/icon-192.png",
        "icons/icon-512.png",
        "icons/maskable-512.png",
        "icons/apple-touch-icon.png",
      ];
      const precache = ["/", ...[...files, ...publicFiles].filter((f) => f !== "index.html").map((f) => `/${f}`)];
      const version = createHash("sha256").update(files.sort().join("|")).digest("hex").slice(0, 12);
      const template = readFileSync(new URL("./sw-template.js", import.meta.url), "utf8");
      this.emitFile({
        type: "asset",
        fileName: "sw.js",
        source: template.replace("__SW_VERSION__", version).replace("__SW_PRECACHE__", JSON.stringify(precache, null, 2)),
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), serviceWorker()],
  base: "/",
  build: {
    outDir: "dist",
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      "/api": api,
      "/healthz": api,
      "/socket.io": { target: api, ws: true },
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
    // A guard against a hang, not a measure: on a loaded two-core machine a page test can take over 5 s.
    testTimeout: 60_000,
  },
});
