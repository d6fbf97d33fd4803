import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { accountApi } from "../../lib/account";
import { accountPreferences } from "../account/preferences";
import { reviewApi } from "./reviewApi";

export const reportKeys = {
  detail: (scanId: string) => ["report", scanId] as const,
  /** A report as a shared link shows it to someone without an account. */
  shared: (token: string) => ["shared-report", token] as const,
};

export function useReport(scanId: string) {
  return useQuery({
    queryKey: reportKeys.detail(scanId),
    queryFn: async ({ signal }) => {
      await accountPreferences(); // the account's time zone and currency first, like every page of the person's
      return reviewApi.report(scanId, signal);
    },
  });
}

/** After an edit: read the report again. */
export function useInvalidateReport(scanId: string) {
  const queryClient = useQueryClient();
  return useCallback(() => queryClient.invalidateQueries({ queryKey: reportKeys.detail(scanId) }), [queryClient, scanId]);
}

export function useSharedReport(token: string) {
  return useQuery({ queryKey: reportKeys.shared(token), queryFn: ({ signal }) => accountApi.sharedReport(token, signal) });
}
