import { useInfiniteQuery, type InfiniteData, useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { api } from "../../lib/api";
import type { ScanDetail, ScanListItem, ScanPage } from "../../lib/types";
import { accountPreferences } from "../account/preferences";

export const scanKeys = {
  /** Every list of scans, whatever its filters. */
  lists: ["scans"] as const,
  list: (filters: { limit?: number; houseId?: string } = {}) => ["scans", filters] as const,
  detail: (scanId: string) => ["scan", scanId] as const,
};

export function scanQuery(scanId: string) {
  return { queryKey: scanKeys.detail(scanId), queryFn: ({ signal }: { signal: AbortSignal }) => api.getScan(scanId, signal) };
}

/** One scan; `refetchInterval` polls it (the processing page's safety net beside the realtime events). */
export function useScan(scanId: string, options: { refetchInterval?: number | false } = {}) {
  return useQuery({ ...scanQuery(scanId), refetchInterval: options.refetchInterval ?? false });
}

/** Change the cached scan in place (a photo that just arrived), as React's state setters do. */
export function useSetScan(scanId: string) {
  const queryClient = useQueryClient();
  return useCallback(
    (update: (prev: ScanDetail | null) => ScanDetail | null) =>
      queryClient.setQueryData<ScanDetail>(scanKeys.detail(scanId), (prev) => update(prev ?? null) ?? undefined),
    [queryClient, scanId],
  );
}

/** The person's scans, newest first, a page at a time ("Show older scans" asks for the next). */
export function useScans() {
  return useInfiniteQuery({
    queryKey: scanKeys.list(),
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam }): Promise<ScanPage> => {
      // The account's time zone first: every card's dates are written in it.
      if (pageParam === null) await accountPreferences().catch(() => undefined);
      return api.listScans(pageParam);
    },
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function invalidateScanLists(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: scanKeys.lists });
}

export function useDeleteScan() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (scanId: string) => api.deleteScan(scanId),
    onSuccess: (_, scanId) => {
      queryClient.removeQueries({ queryKey: scanKeys.detail(scanId) });
      // Gone from the lists at once; the refetch below then reads them again.
      queryClient.setQueriesData<InfiniteData<ScanPage> | ScanListItem[]>({ queryKey: scanKeys.lists }, (data) => {
        const kept = (items: ScanListItem[]) => items.filter((item) => item.id !== scanId);
        if (!data) return data;
        return Array.isArray(data) ? kept(data) : { ...data, pages: data.pages.map((page) => ({ ...page, items: kept(page.items) })) };
      });
      return invalidateScanLists(queryClient);
    },
  });
}

/** Start (or restart) a scan's analysis; the scan and the lists then read its new status. */
export function useProcessScan(scanId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.processScan(scanId),
    onSettled: () =>
      Promise.all([queryClient.invalidateQueries({ queryKey: scanKeys.detail(scanId) }), invalidateScanLists(queryClient)]),
  });
}

/** A new scan (a draft); the lists then show it. */
export function useCreateScan() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Parameters<typeof api.createScan>[0]) => api.createScan(body),
    onSuccess: () => invalidateScanLists(queryClient),
  });
}
