import { QueryClientProvider, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { useAuth } from "../lib/auth";
import { realtime as defaultRealtime, type Realtime } from "../lib/realtime";
import { createQueryClient } from "../lib/queryClient";
import type { ScanDetail, ScanEvent } from "../lib/types";
import { reportKeys } from "../features/review/queries";
import { invalidateScanLists, scanKeys } from "../features/scans/queries";

/**
 * What a realtime event changes in the cache: pages read the scan, its report and the lists from there and
 * follow along, none of them refetches by hand.
 */
export function applyScanEvent(queryClient: QueryClient, event: ScanEvent): void {
  const scanId = event.payload?.scanId;
  if (!scanId) return;
  const scan = () => queryClient.invalidateQueries({ queryKey: scanKeys.detail(scanId) });
  const report = () => queryClient.invalidateQueries({ queryKey: reportKeys.detail(scanId) });
  switch (event.type) {
    case "scan:progress":
      // Frequent: no request, only a queued scan now reads as running.
      queryClient.setQueryData<ScanDetail>(scanKeys.detail(scanId), (prev) =>
        prev?.status === "queued" ? { ...prev, status: "running" } : prev,
      );
      return;
    // Photos stored from another tab: the scan's photo count, its rooms' photos in the report, the lists' counts.
    case "scan:uploaded":
    case "scan:processing":
    case "scan:completed":
    case "scan:failed":
    case "scan:updated":
      void scan();
      void report();
      void invalidateScanLists(queryClient);
      return;
  }
}

/** The query cache for the app, kept up to date by the realtime events. */
export default function QueryProvider({
  client,
  realtime = defaultRealtime,
  children,
}: {
  client?: QueryClient;
  realtime?: Realtime;
  children: ReactNode;
}) {
  const [queryClient] = useState(() => client ?? createQueryClient());
  useEffect(() => realtime.onEvent((event) => applyScanEvent(queryClient, event)), [queryClient, realtime]);
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}

/** Nothing of one person's stays in the cache for whoever signs in next on this tab. */
export function ClearCacheOnSignOut() {
  const queryClient = useQueryClient();
  const { status } = useAuth();
  useEffect(() => {
    if (status === "signedOut") queryClient.clear();
  }, [queryClient, status]);
  return null;
}
