/* HouseScan service worker, written by hand. The build replaces the two placeholders below. */
/* global self, caches, fetch, URL, Response */
const VERSION = "__SW_VERSION__";
const PRECACHE = __SW_PRECACHE__;

const SHELL_CACHE = `housescan-shell-${VERSION}`;
const API_CACHE = "housescan-api-v1";
const IMAGE_CACHE = "housescan-images-v1";
const KEEP = new Set([SHELL_CACHE, API_CACHE, IMAGE_CACHE]);

// GET responses worth keeping for offline reading: a scan (the report), its summary, the checklists,
// the signed-in user and the list of scans.
const API_CACHEABLE = [
  /^\/api\/v1\/scans\/[^/]+$/,
  /^\/api\/v1\/scans\/[^/]+\/summary$/,
  /^\/api\/v1\/scans$/,
  /^\/api\/v1\/checklists$/,
  /^\/api\/v1\/auth\/me$/,
  /^\/api\/summaries\/scan\/[^/]+$/,
];
const IMAGE_PATH = /^\/api\/v1\/images\/[^/]+\/content$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("housescan-") && !KEEP.has(n)).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "clear-api-cache") {
    event.waitUntil(Promise.all([caches.delete(API_CACHE), caches.delete(IMAGE_CACHE)]));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (path.startsWith("/socket.io/") || path === "/healthz" || path.startsWith("/docs") || path === "/openapi.json") return;

  if (request.mode === "navigate") {
    event.respondWith(networkFirstPage(request));
  } else if (IMAGE_PATH.test(path)) {
    event.respondWith(cacheFirstImage(request, url));
  } else if (API_CACHEABLE.some((re) => re.test(path))) {
    event.respondWith(networkFirstApi(request, url));
  } else if (path.startsWith("/api/")) {
    return; // anything else of the API: straight to the network
  } else {
    event.respondWith(cacheFirstStatic(request));
  }
});

async function networkFirstPage(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(SHELL_CACHE);
      await cache.put("/index.html", response.clone());
    }
    return response;
  } catch (error) {
    const cached = (await caches.match("/index.html")) || (await caches.match("/"));
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirstStatic(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    const cache = await caches.open(SHELL_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

// Signed image URLs change every time the report is read; the photo behind them does not.
async function cacheFirstImage(request, url) {
  const key = url.origin + url.pathname;
  const cache = await caches.open(IMAGE_CACHE);
  const cached = await cache.match(key);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(key, response.clone());
  return response;
}

async function networkFirstApi(request, url) {
  const cache = await caches.open(API_CACHE);
  const key = url.origin + url.pathname + url.search;
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    else if (response.status === 401 || response.status === 403 || response.status === 404) await cache.delete(key);
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) {
      const headers = new Headers(cached.headers);
      headers.set("X-HouseScan-Offline", "1");
      return new Response(await cached.blob(), { status: cached.status, statusText: cached.statusText, headers });
    }
    throw error;
  }
}

// Web push (issue 14): the server sends {title, body, url, tag} encrypted for this subscription; the browser
// has decrypted it by now. Shown as "Report ready: <address>"; a click opens (or focuses) the report.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { title: event.data ? event.data.text() : "HouseScan" };
  }
  const title = message.title || "HouseScan";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: message.body || "",
      tag: message.tag || undefined,
      icon: "/icons/icon-192.png",
      data: { url: message.url || "/" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (new URL(client.url).pathname === target.pathname && "focus" in client) return client.focus();
      }
      return self.clients.openWindow(target.href);
    }),
  );
});
