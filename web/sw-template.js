/* HouseScan service worker, written by hand. The build replaces the two placeholders below. */
/* global self, caches, fetch, URL, Response */
const VERSION = "__SW_VERSION__";
const PRECACHE = __SW_PRECACHE__;

const SHELL_CACHE = `housescan-shell-${VERSION}`;
const API_CACHE = "housescan-api-v1";
const IMAGE_CACHE = "housescan-images-v1";
const KEEP = new Set([SHELL_CACHE, API_CACHE, IMAGE_CACHE]);

// GET responses worth keeping for offline reading: a scan, its report, findings and summary, the
// checklists, the signed-in user and the list of scans (any query: the app asks for it with ?limit=).
const API_CACHEABLE = [
  /^\/api\/v1\/scans\/[^/]+$/,
  /^\/api\/v1\/scans\/[^/]+\/report$/,
  /^\/api\/v1\/scans\/[^/]+\/findings$/,
  /^\/api\/v1\/scans\/[^/]+\/summary$/,
  /^\/api\/v1\/scans$/,
  /^\/api\/v1\/checklists$/,
  /^\/api\/v1\/auth\/me$/,
  /^\/api\/summaries\/scan\/[^/]+$/,
];
// A photo (content) and its renditions (thumbnail, medium): the bytes behind a path never change.
const IMAGE_PATH = /^\/api\/v1\/images\/[^/]+\/(content|thumbnail|medium)$/;

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

// Signed image URLs change with their time bucket; the photo behind them does not: kept by path.
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
  const key = apiCacheKey(request, url);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    if (response.ok) void keepThumbnailsOf(response.clone()); // not awaited: the page gets its answer first
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

// ---- offline reading and uploads (issue 15) ---------------------------------------------------------

// Cached API answers are per person: the key carries a hash of the bearer token's subject, so another
// person signing in on this phone never reads the previous one's scans offline.
function apiCacheKey(request, url) {
  const auth = request.headers.get("Authorization") || "";
  let subject = "";
  try {
    const payload = JSON.parse(atob(auth.replace(/^Bearer /, "").split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    subject = String(payload.sub || "");
  } catch (error) {
    // No token: a page opened offline has none yet (it lives in memory); the app names its user instead.
    subject = request.headers.get("X-HouseScan-User") || "";
  }
  const query = url.search ? `${url.search}&` : "?";
  return `${url.origin}${url.pathname}${query}__user=${encodeURIComponent(subject)}`;
}

// A report, a scan or the list of scans that was read is readable offline with its thumbnails, also those
// the page has not scrolled to yet (they load lazily): they are fetched into the image cache now.
async function keepThumbnailsOf(response) {
  let body;
  try {
    body = await response.json();
  } catch (error) {
    return;
  }
  const urls = new Set();
  const visit = (value) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === "object") {
      for (const [name, inner] of Object.entries(value)) {
        if ((name === "thumbnail_url" || name === "cover_thumbnail_url") && typeof inner === "string") urls.add(inner);
        else if (typeof inner === "object") visit(inner);
      }
    }
  };
  visit(body);
  const cache = await caches.open(IMAGE_CACHE);
  await Promise.all(
    [...urls].map(async (href) => {
      const url = new URL(href, self.location.origin);
      if (url.origin !== self.location.origin || !IMAGE_PATH.test(url.pathname)) return;
      const key = url.origin + url.pathname;
      if (await cache.match(key)) return;
      try {
        const image = await fetch(url.href);
        if (image.ok) await cache.put(key, image);
      } catch (error) {
        /* offline again: the next read fetches it */
      }
    }),
  );
}

// Photos kept while offline wait in the app's IndexedDB outbox (web/src/lib/uploadQueue.ts), with no token:
// a token there would be readable by page scripts. So Background Sync does not send them itself: when the
// connection returns it wakes the app's open tabs, which send them with their in-memory token (refreshed
// through the HttpOnly cookie). With no tab open the photos wait until the app is opened again.
self.addEventListener("sync", (event) => {
  if (event.tag === "housescan-uploads") event.waitUntil(wakeTheApp());
});

async function wakeTheApp() {
  const windows = await self.clients.matchAll({ type: "window" });
  for (const client of windows) client.postMessage({ type: "send-outbox" });
}
