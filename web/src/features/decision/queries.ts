import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { accountPreferences } from "../account/preferences";
import { scanKeys } from "../scans/queries";
import { allPages } from "./decision";
import type { Trade } from "../../lib/types";
import { decisionApi, type ComparedScan } from "./decisionApi";

export const decisionKeys = {
  changes: (scanId: string, since: string) => ["changes", scanId, since] as const,
  repairLists: (scanId: string) => ["repair-lists", scanId] as const,
  /** Homes side by side; `scanIds` in the order the person picked them. */
  compare: (scanIds: string[]) => ["compare", scanIds] as const,
  sharedRepairList: (token: string) => ["shared-repair-list", token] as const,
  /** Every cost guide search; saving the regional factor changes them all. */
  costGuides: ["cost-guide"] as const,
  costGuide: (trade: Trade | null, q: string) => ["cost-guide", trade, q] as const,
};

/** What changed in a home between an earlier scan and this one (nothing is asked without an earlier scan). */
export function useChanges(scanId: string, since: string) {
  return useQuery({
    queryKey: decisionKeys.changes(scanId, since),
    queryFn: async ({ signal }) => {
      await accountPreferences(); // the account's time zone writes the dates
      return decisionApi.changes(scanId, since, signal);
    },
    enabled: !!since,
  });
}

export function useInvalidateChanges(scanId: string, since: string) {
  const queryClient = useQueryClient();
  return useCallback(
    () => queryClient.invalidateQueries({ queryKey: decisionKeys.changes(scanId, since) }),
    [queryClient, scanId, since],
  );
}

function repairListsQuery(scanId: string) {
  return {
    queryKey: decisionKeys.repairLists(scanId),
    queryFn: async () => (await decisionApi.repairLists(scanId)).items,
  };
}

/** A scan's repair lists; `fresh()` reads them again and resolves with them (before an edit). */
export function useRepairLists(scanId: string) {
  const queryClient = useQueryClient();
  const query = useQuery(repairListsQuery(scanId));
  const fresh = useCallback(() => queryClient.fetchQuery(repairListsQuery(scanId)), [queryClient, scanId]);
  const invalidate = useCallback(
    () => queryClient.invalidateQueries({ queryKey: decisionKeys.repairLists(scanId) }),
    [queryClient, scanId],
  );
  return { query, fresh, invalidate };
}

export function useComparison(scanIds: string[], enabled: boolean) {
  return useQuery({
    queryKey: decisionKeys.compare(scanIds),
    queryFn: async ({ signal }) => {
      await accountPreferences(); // the account's time zone and currency first, like every page of the person's
      return (await decisionApi.compare(scanIds, signal)).scans;
    },
    enabled,
  });
}

/** A saved rating or note shows in every cached comparison holding that home, with no request. */
export function useSetVerdict() {
  const queryClient = useQueryClient();
  return useCallback(
    (saved: { scan_id: string; rating: number | null; note: string | null }) =>
      queryClient.setQueriesData<ComparedScan[]>({ queryKey: ["compare"] }, (scans) =>
        scans?.map((scan) => (scan.scan_id === saved.scan_id ? { ...scan, rating: saved.rating, note: saved.note } : scan)),
      ),
    [queryClient],
  );
}

/** A repair list as its shared link shows it to someone without an account. */
export function useSharedRepairList(token: string) {
  return useQuery({
    queryKey: decisionKeys.sharedRepairList(token),
    queryFn: ({ signal }) => decisionApi.sharedRepairList(token, signal),
  });
}

/** Every scan of one home (all pages); a list like the history's, so scan events refresh it too. */
export function useScansOfHouse(houseId: string) {
  return useQuery({
    queryKey: scanKeys.list({ houseId }),
    queryFn: ({ signal }) => allPages((cursor) => decisionApi.scansOfHouse(houseId, cursor, signal)),
  });
}

/** The cost guide's jobs matching a search (asked only while the picker is open; the last answer stays while typing). */
export function useCostGuide(trade: Trade | null, q: string, enabled: boolean) {
  return useQuery({
    queryKey: decisionKeys.costGuide(trade, q),
    queryFn: ({ signal }) => decisionApi.costGuide(trade, q, signal),
    enabled,
    placeholderData: keepPreviousData,
  });
}

/** After the regional factor changed: every cached suggestion is read again. */
export function useInvalidateCostGuides() {
  const queryClient = useQueryClient();
  return useCallback(() => queryClient.invalidateQueries({ queryKey: decisionKeys.costGuides }), [queryClient]);
}
