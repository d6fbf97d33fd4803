import { QueryClient } from "@tanstack/react-query";

/**
 * The cache of server state. Requests go out even when the browser says it is offline (the service worker
 * answers GETs from its cache then), fail at once instead of retrying (each page says what failed and offers
 * its own retry), and refresh on realtime events rather than on window focus.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { networkMode: "always", retry: false, refetchOnWindowFocus: false, refetchOnReconnect: false },
      mutations: { networkMode: "always", retry: false },
    },
  });
}
