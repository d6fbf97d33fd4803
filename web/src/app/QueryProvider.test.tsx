import { act, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createQueryClient } from "../lib/queryClient";
import { Realtime } from "../lib/realtime";
import type { ScanDetail, ScanEvent } from "../lib/types";
import { reportKeys, useReport } from "../features/review/queries";
import { reviewApi, type Report } from "../features/review/reviewApi";
import { scanKeys } from "../features/scans/queries";
import QueryProvider, { applyScanEvent } from "./QueryProvider";

afterEach(() => vi.restoreAllMocks());

/** A realtime connection that never connects: the test hands its listeners the events. */
function fakeRealtime() {
  const realtime = new Realtime();
  let listener: ((event: ScanEvent) => void) | null = null;
  vi.spyOn(realtime, "onEvent").mockImplementation((fn) => {
    listener = fn;
    return () => undefined;
  });
  return { realtime, emit: (event: ScanEvent) => act(async () => listener?.(event)) };
}

function ReportTitle({ scanId }: { scanId: string }) {
  const { data } = useReport(scanId);
  return <p data-testid="address">{data?.house.address ?? "…"}</p>;
}

const reportAt = (address: string) => ({ house: { address } }) as unknown as Report;

describe("realtime events and the query cache", () => {
  it("an edit in another tab (scan:updated) reads the scan's report again; another scan's event leaves it", async () => {
    const report = vi.spyOn(reviewApi, "report").mockResolvedValueOnce(reportAt("1 Old Road")).mockResolvedValue(reportAt("2 New Road"));
    const { realtime, emit } = fakeRealtime();
    render(
      <QueryProvider client={createQueryClient()} realtime={realtime}>
        <ReportTitle scanId="s1" />
      </QueryProvider>,
    );
    expect((await screen.findByText("1 Old Road")).dataset.testid).toBe("address");
    await emit({ type: "scan:updated", payload: { scanId: "other", eventId: 1 } } as ScanEvent);
    expect(report).toHaveBeenCalledTimes(1);
    await emit({ type: "scan:updated", payload: { scanId: "s1", eventId: 2 } } as ScanEvent);
    expect(await screen.findByText("2 New Road")).toBeTruthy();
    expect(report).toHaveBeenCalledTimes(2);
  });

  it("a finished or failed scan marks its cached scan and report stale, progress only moves a queued scan to running", async () => {
    const client = createQueryClient();
    const { realtime, emit } = fakeRealtime();
    client.setQueryData(scanKeys.detail("s1"), { id: "s1", status: "queued" } as ScanDetail);
    client.setQueryData(reportKeys.detail("s1"), reportAt("1 Old Road"));
    client.setQueryData(scanKeys.detail("s2"), { id: "s2", status: "queued" } as ScanDetail);
    render(<QueryProvider client={client} realtime={realtime}>{null}</QueryProvider>);
    await emit({ type: "scan:progress", payload: { scanId: "s1", progress: 10, stage: "house_type", eventId: 1 } } as ScanEvent);
    expect(client.getQueryData<ScanDetail>(scanKeys.detail("s1"))?.status).toBe("running");
    expect(client.getQueryState(scanKeys.detail("s1"))?.isInvalidated).toBe(false);
    await emit({ type: "scan:completed", payload: { scanId: "s1", message: "done", result: {}, eventId: 2 } } as ScanEvent);
    expect(client.getQueryState(scanKeys.detail("s1"))?.isInvalidated).toBe(true);
    expect(client.getQueryState(reportKeys.detail("s1"))?.isInvalidated).toBe(true);
    expect(client.getQueryState(scanKeys.detail("s2"))?.isInvalidated).toBe(false);
    await emit({ type: "scan:failed", payload: { scanId: "s2", error: "agents service unreachable", eventId: 3 } } as ScanEvent);
    expect(client.getQueryState(scanKeys.detail("s2"))?.isInvalidated).toBe(true);
  });

  describe("what each event marks stale", () => {
    const payloads: Record<ScanEvent["type"], Record<string, unknown>> = {
      "scan:uploaded": { roomsCount: 2, imagesCount: 7, message: "3 photos stored, 0 duplicates skipped" },
      "scan:processing": { message: "started" },
      "scan:progress": { progress: 10, stage: "house_type" },
      "scan:completed": { message: "done", result: {} },
      "scan:failed": { error: "agents service unreachable" },
      "scan:updated": { what: "report" },
    };
    const listKey = scanKeys.list({ limit: 20 });

    /** A cache holding scan s1 (and its report), scan s2 and a list of scans; then the event for s1. */
    function applied(type: ScanEvent["type"]) {
      const client = createQueryClient();
      client.setQueryData(scanKeys.detail("s1"), { id: "s1", status: "queued" } as ScanDetail);
      client.setQueryData(reportKeys.detail("s1"), reportAt("1 Old Road"));
      client.setQueryData(scanKeys.detail("s2"), { id: "s2", status: "queued" } as ScanDetail);
      client.setQueryData(listKey, []);
      applyScanEvent(client, { type, payload: { scanId: "s1", eventId: 1, ...payloads[type] } } as ScanEvent);
      const stale = (key: readonly unknown[]) => client.getQueryState(key)?.isInvalidated;
      return {
        client,
        scan: stale(scanKeys.detail("s1")),
        report: stale(reportKeys.detail("s1")),
        lists: stale(listKey),
        other: stale(scanKeys.detail("s2")),
      };
    }

    it.each(["scan:uploaded", "scan:processing", "scan:completed", "scan:failed", "scan:updated"] as const)(
      "%s marks the scan, its report and the lists stale, not another scan",
      (type) => {
        const { scan, report, lists, other } = applied(type);
        expect({ scan, report, lists, other }).toEqual({ scan: true, report: true, lists: true, other: false });
      },
    );

    it("scan:progress marks nothing stale, only a queued scan reads as running", () => {
      const { client, scan, report, lists, other } = applied("scan:progress");
      expect({ scan, report, lists, other }).toEqual({ scan: false, report: false, lists: false, other: false });
      expect(client.getQueryData<ScanDetail>(scanKeys.detail("s1"))?.status).toBe("running");
      expect(client.getQueryData<ScanDetail>(scanKeys.detail("s2"))?.status).toBe("queued");
    });
  });
});
