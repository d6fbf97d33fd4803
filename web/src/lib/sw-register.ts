export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator) || !import.meta.env.PROD) return;
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
      /* no offline support in this browser session; the app works without it */
    });
  });
}

/** Tell the service worker to forget cached API responses (on logout: another person may sign in). */
export function clearApiCache(): void {
  try {
    navigator.serviceWorker?.controller?.postMessage({ type: "clear-api-cache" });
  } catch {
    /* ignore */
  }
}
