import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { accountPreferences } from "../account/preferences";
import { scanQuery } from "../scans/queries";
import { decisionApi } from "./decisionApi";

export const decisionKeys = {
  changes: (scanId: string, since: string) => ["changes", scanId, since] as const,
  repairLists: (scanId: string) => ["repair-lists", scanId] as const,
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

/** The earlier scan, when there is one (from the same cache as the scan pages). */
export function useEarlierScan(since: string) {
  return useQuery({ ...scanQuery(since), enabled: !!since });
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
