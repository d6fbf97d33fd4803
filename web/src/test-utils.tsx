import type { ReactNode } from "react";
import QueryProvider from "./app/QueryProvider";
import { createQueryClient } from "./lib/queryClient";

/** A page under test reads server state from a cache of its own, wired to the realtime events as the app's is. */
export function withQueries(ui: ReactNode, client = createQueryClient()) {
  return <QueryProvider client={client}>{ui}</QueryProvider>;
}
