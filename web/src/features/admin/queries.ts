import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../../lib/api";
import { analyticsPath, type Analytics } from "./adminAnalytics";

export const adminKeys = {
  analytics: (days: number) => ["admin", "analytics", days] as const,
};

/** The operators' figures over the last `days`; the previous period's stay on screen while the next loads. */
export function useAnalytics(days: number) {
  return useQuery({
    queryKey: adminKeys.analytics(days),
    queryFn: ({ signal }) => api.get<Analytics>(analyticsPath(days), signal),
    placeholderData: keepPreviousData,
  });
}
