import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { accountApi } from "../../lib/account";
import { api } from "../../lib/api";

export const checklistKeys = {
  /** The standard checklists merged with the person's items, and their items alone. */
  all: ["checklists"] as const,
  merged: ["checklists", "merged"] as const,
  custom: ["checklists", "custom-items"] as const,
};

export function useCustomItems() {
  return useQuery({ queryKey: checklistKeys.custom, queryFn: () => api.customItems() });
}

/** The merged checklists, or null when they could not be read (the page works without them). */
export function useMergedChecklists() {
  return useQuery({ queryKey: checklistKeys.merged, queryFn: () => api.checklists().catch(() => null) });
}

/** After an item was added, changed or removed: read both again (resolves when they have been). */
export function useInvalidateChecklists() {
  const queryClient = useQueryClient();
  return useCallback(() => queryClient.invalidateQueries({ queryKey: checklistKeys.all }), [queryClient]);
}

export const shareKeys = {
  ofScan: (scanId: string) => ["shares", scanId] as const,
};

/** The read-only links made to a scan's report. */
export function useShares(scanId: string) {
  return useQuery({ queryKey: shareKeys.ofScan(scanId), queryFn: async () => (await accountApi.listShares(scanId)).items });
}

export function useInvalidateShares(scanId: string) {
  const queryClient = useQueryClient();
  return useCallback(() => queryClient.invalidateQueries({ queryKey: shareKeys.ofScan(scanId) }), [queryClient, scanId]);
}

export const notificationKeys = { preferences: ["notification-preferences"] as const };

export function useNotificationPreferences() {
  return useQuery({ queryKey: notificationKeys.preferences, queryFn: () => accountApi.preferences() });
}
