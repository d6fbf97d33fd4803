import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { beforeEach, describe, expect, it, vi } from "vitest";
import ReportPage from "./ReportPage";
import { api } from "../../lib/api";
import { realtime } from "../../lib/realtime";
import type { ScanDetail } from "../../lib/types";
import type { Answer, Report } from "./reviewApi";
import { withQueries } from "../../test-utils";

const AT = "2026-01-01T10:00:00Z";

const scan = {
  id: "s1",
  status: "succeeded",
  error: null,
  attempts: 1,
  created_at: AT,
  started_at: AT,
  finished_at: AT,
  detected_house_types: [],
  house: { id: "h1", address: "5 Rose Lane", house_type: null, status: "active", created_at: AT, updated_at: AT },
  rooms: [],
  summary: {
    scan_id: "s1",
    schema_version: "2.0.0",
    derived_at: AT,
    pros_cons_json: {},
    summary_json: {},
    cost_summary: { provider: "local", total_cost_usd: 0, compute_seconds: 2.5 },
  },
  agent_runs: [],
} as unknown as ScanDetail;

function answer(over: Partial<Answer>): Answer {
  return { value: null, source: "model", photo_ids: [], text: "Not assessed", candidates: [], ...over };
}

function report(): Report {
  return {
    scan_id: "s1",
    status: "succeeded",
    house: {
      address: "5 Rose Lane",
      house_type: answer({ kind: "house_type", text: "Not determined", candidates: [{ value: "detached_house", confidence: 0.41 }] }),
      checklist: { signs_of_damp: answer({ kind: "boolean", title: "Signs of damp or mould" }) },
    },
    rooms: [
      {
        id: "r1",
        ordinal: 0,
        label: null,
        name: "Kitchen",
        room_type: answer({
          kind: "room_type",
          value: "kitchen",
          text: "Kitchen",
          confidence: 0.62,
          confidence_basis: "model_score",
          measured_precision: 0.909,
          measured_on: 163,
          candidates: [
            { value: "kitchen", confidence: 0.62 },
            { value: "dining_room", confidence: 0.5 },
          ],
        }),
        checklist: {
          walls_condition: answer({ kind: "categorical", title: "Walls condition" }),
          floor_condition: answer({ kind: "categorical", title: "Floor condition", value: "Good", text: "Good", confidence: 0.8 }),
        },
        products: {
          sink: answer({ kind: "product", title: "Sink", value: true, text: "Present", confidence: 0.93 }),
          refrigerator: answer({
            kind: "product",
            title: "Fridge",
            value: true,
            text: "Present",
            confidence: 0.871,
            confidence_basis: "out_of_fold_precision",
            measured_on: 115,
            photo_score: 0.72,
          }),
          oven: answer({ kind: "product", title: "Oven or hob", value: false, text: "Not present", source: "person", model_value: null }),
          dishwasher: answer({ kind: "product", title: "Dishwasher", text: "Not seen" }),
        },
        images: [{ id: "i1", url: "/img/i1", thumbnail_url: "/img/i1" }],
        not_assessed: 1,
        not_seen: 1,
        checked: 1,
        checklist_total: 2,
        analysed: true,
        photos_changed: false,
      },
    ],
    findings: [
      { id: "f2", room_id: null, title: "Dripping tap", severity: "maintenance", note: null, photo_ids: [], source: "person", checklist_item_id: null, created_at: AT, updated_at: AT },
      {
        id: "f1",
        room_id: "r1",
        room_name: "Kitchen",
        title: "Exposed wiring",
        severity: "safety",
        note: "By the cooker",
        photo_ids: ["i1"],
        marks: [{ photo_id: "i1", shape: "box", x: 0.1, y: 0.2, w: 0.3, h: 0.25 }],
        trade: "electrician",
        cost_low: 300,
        cost_high: 500,
        cost_source: "person",
        source: "person",
        checklist_item_id: null,
        created_at: AT,
        updated_at: AT,
      },
    ],
    finding_counts: { safety: 1, major: 0, maintenance: 1, note: 0 },
    pros: [],
    cons: ["Exposed wiring (safety)"],
    summary: "A home whose type is not determined with a photographed room: a kitchen.",
    assessed: { total: 6, by_person: 1, by_model: 2, not_assessed: 2, not_seen: 1, not_visible: 0 },
    limitations: {
      not_assessed: 2,
      not_visible: 1,
      rooms_without_photos: [{ id: "r2", name: "Loft" }],
      rooms_not_analysed: [],
      items: [
        { scope: "house", item_id: "signs_of_damp", title: "Signs of damp or mould", room_name: null, reason: "not_assessed" },
        { scope: "r1", item_id: "walls_condition", title: "Walls condition", room_name: "Kitchen", reason: "not_assessed" },
        { scope: "r1", item_id: "ceiling", title: "Ceiling condition", room_name: "Kitchen", reason: "not_visible" },
      ],
      statement: "You checked 1 of 5 items; condition was not judged elsewhere: this is not a full inspection.",
    },
    costs: {
      low: 300,
      high: 500,
      currency: "GBP",
      by_trade: { electrician: { low: 300, high: 500, count: 1 } },
      by_severity: { safety: { low: 300, high: 500, count: 1 } },
      findings_with_costs: 1,
      findings_without_costs: 1,
    },
    audience: "owner",
    scanned_at: AT,
    updated_at: "2026-01-02T09:30:00Z",
    derived_at: AT,
    thresholds: { house_type_min_confidence: 0.75 },
  };
}

function renderPage() {
  return render(
    withQueries(
      <MemoryRouter>
        <ReportPage scan={scan} />
      </MemoryRouter>,
    ),
  );
}

let request: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  vi.restoreAllMocks();
  request = vi.spyOn(api, "request").mockImplementation(async (method: string) => (method === "GET" ? report() : ({} as never)));
});

describe("ReportPage", () => {
  it("reads the account's preferences before the report, so its dates and costs are written in them from the start", async () => {
    vi.spyOn(api, "userId").mockReturnValue("carol");
    const asked: string[] = [];
    let answerPreferences!: () => void;
    const preferencesHeld = new Promise<void>((resolve) => (answerPreferences = resolve));
    request.mockImplementation(async (method: string, url: string) => {
      if (url.endsWith("/me/preferences")) {
        asked.push("preferences");
        await preferencesHeld;
        return { currency: "JPY", time_zone: "Asia/Tokyo" } as never;
      }
      if (url.endsWith("/scans/s1/report")) asked.push("report");
      return method === "GET" ? report() : ({} as never);
    });
    renderPage();
    await waitFor(() => expect(asked).toEqual(["preferences"]));
    answerPreferences();
    await screen.findByTestId("findings");
    expect(asked).toEqual(["preferences", "report"]);
  });

  it("opens with the findings by severity, then the rooms; says who answered", async () => {
    renderPage();
    const findings = await screen.findByTestId("findings");
    expect(within(within(findings).getByTestId("finding-counts")).getAllByRole("listitem").map((chip) => chip.textContent)).toEqual([
      "1 safety",
      "1 maintenance",
    ]);
    expect(within(findings).getAllByTestId("finding").map((f) => f.querySelector(".finding-title")?.textContent)).toEqual([
      "Exposed wiring",
      "Dripping tap",
    ]);
    const page = screen.getByTestId("report");
    // Findings come before the rooms.
    expect(page.textContent!.indexOf("Exposed wiring")).toBeLessThan(page.textContent!.indexOf("Room type"));
    const room = screen.getByTestId("room-report");
    // The two-label room type says which label each percentage belongs to.
    expect(within(room).getByTestId("room-type-candidates").textContent).toBe("Kitchen 62% · Dining room 50%");
    const sink = room.querySelector('[data-item="products.sink"]') as HTMLElement;
    expect(within(sink).getByTestId("answer-source").textContent).toBe("Model · 93%");
    // A figure measured on test photos says so; the room type's own score keeps its percentage beside it.
    const fridge = room.querySelector('[data-item="products.refrigerator"]') as HTMLElement;
    expect(within(fridge).getByTestId("answer-source").textContent).toBe("Model · right 9 times in 10");
    expect(within(fridge).getByTestId("answer-meaning").textContent).toBe(
      "This kind of sighting is right 9 times in 10 on our test photos (115 photos).",
    );
    expect(within(room).getByTestId("room-type-meaning").textContent).toContain("this kind of answer is right 9 times in 10");
    const oven = room.querySelector('[data-item="products.oven"]') as HTMLElement;
    expect(within(oven).getByTestId("answer-source").textContent).toBe("You");
    // The model had no answer under the person's: reverting clears it, and says so.
    expect(within(oven).getByRole("button", { name: "Clear my answer" })).toBeTruthy();
    expect(within(oven).queryByRole("button", { name: "Use the model’s answer" })).toBeNull();
    // Unassessed items collapse into one line.
    expect(within(room).getByTestId("not-assessed").querySelector("summary")?.textContent).toBe("1 item not assessed — review");
    // A product the models looked for and did not see is not lumped with what nobody assessed.
    const notSeen = within(room).getByTestId("not-seen");
    expect(notSeen.querySelector("summary")?.textContent).toBe("1 not seen in the photos — review");
    expect(notSeen.querySelector('[data-item="products.dishwasher"]')).toBeTruthy();
    expect(screen.getByTestId("house-type").textContent).toContain("Not determined");
    expect(screen.getByTestId("house-type").textContent).toContain("Detached house, 41%");
    // Developer words never reach a buyer.
    expect(page.textContent).not.toMatch(/local:|attempt \d|same id/);
    expect(screen.getByTestId("cost").tagName).toBe("DETAILS");
  });

  it("frames the report: summary and findings with their marked photos, costs, then scope and limitations, then rooms", async () => {
    renderPage();
    const page = await screen.findByTestId("report");
    const text = page.textContent!;
    const order = ["Summary", "Exposed wiring", "What it may cost", "Scope and limitations", "Rooms"].map((word) => text.indexOf(word));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]))).toBe(true);
    const wiring = screen.getAllByTestId("finding")[0];
    expect(within(wiring).getByTestId("finding-facts").textContent).toBe("Call: ElectricianCost: £300–£500");
    const photo = within(wiring).getByRole("img", { name: "Exposed wiring, photo 1. Marked: a box" });
    expect(photo.getAttribute("src")).toBe("/img/i1");
    const box = wiring.querySelector('[data-shape="box"]')!;
    expect([box.getAttribute("x"), box.getAttribute("y"), box.getAttribute("width"), box.getAttribute("height")]).toEqual(["10%", "20%", "30%", "25%"]);
    // The photo full screen keeps its mark.
    fireEvent.click(within(wiring).getByRole("button", { name: "Open photo 1 of Exposed wiring" }));
    expect(within(screen.getByRole("dialog")).getByRole("img").getAttribute("alt")).toBe("Exposed wiring, photo 1 of 1. Marked: a box");
    fireEvent.keyDown(window, { key: "Escape" });
    const costs = screen.getByTestId("cost-totals");
    expect(costs.textContent).toContain("£300–£500 over 1 finding with a cost; 1 finding without one");
    expect(costs.textContent).toContain("Electrician£300–£500 (1 finding)");
    const limits = screen.getByTestId("limitations");
    expect(within(limits).getByTestId("limitations-statement").textContent).toBe(
      "You checked 1 of 5 items; condition was not judged elsewhere: this is not a full inspection.",
    );
    expect(within(limits).getByTestId("assessed-by").textContent).toContain("1 item judged by you");
    expect(within(limits).getByTestId("assessed-by").textContent).toContain("1 product looked for by the models and not seen in the photos");
    expect(within(limits).getByTestId("rooms-without-photos").textContent).toContain("Loft");
    expect(within(limits).getByTestId("not-visible").textContent).toContain("Ceiling condition · Kitchen");
    const groups = within(limits).getByTestId("not-assessed-items").querySelectorAll("details summary");
    expect(Array.from(groups).map((g) => g.textContent)).toEqual(["The house: 1 item", "Kitchen: 1 item"]);
    expect(within(screen.getByTestId("room-report")).getByTestId("checked-progress").textContent).toBe("1 of 2 checked");
    // The whole home counts the house's own checklist too, as the capture page's "Whole home" does.
    expect(within(limits).getByTestId("checked-progress").textContent).toBe("Checklists, products apart: 1 of 3 checked");
    expect(screen.getByTestId("report-times").textContent).toMatch(/^Scanned 1 Jan 2026, \d\d:\d\d \S+ · Updated 2 Jan 2026, \d\d:\d\d \S+$/);
  });

  it("saves an answer at once, offers a finding for Poor, and reverts", async () => {
    renderPage();
    const room = await screen.findByTestId("room-report");
    const walls = room.querySelector('[data-item="walls_condition"]') as HTMLElement;
    fireEvent.click(within(walls).getByRole("button", { name: "Poor" }));
    await waitFor(() =>
      expect(request).toHaveBeenCalledWith("PUT", "/api/v1/scans/s1/answers/r1/walls_condition", {
        body: { value: "Poor", note: null, photo_ids: [] },
      }),
    );
    // Looked for and not seen is an answer too.
    const floor = room.querySelector('[data-item="floor_condition"]') as HTMLElement;
    fireEvent.click(within(floor).getByRole("button", { name: "Not visible" }));
    await waitFor(() =>
      expect(request).toHaveBeenCalledWith("PUT", "/api/v1/scans/s1/answers/r1/floor_condition", {
        body: { value: "not_visible", note: null, photo_ids: [] },
      }),
    );
    const oven = room.querySelector('[data-item="products.oven"]') as HTMLElement;
    // One tap asks first: the person's answer, note and photos go with it.
    fireEvent.click(within(oven).getByRole("button", { name: "Clear my answer" }));
    expect(request).not.toHaveBeenCalledWith("DELETE", "/api/v1/scans/s1/answers/r1/products.oven");
    fireEvent.click(within(oven).getByRole("button", { name: "Remove my answer, note and photos" }));
    await waitFor(() => expect(request).toHaveBeenCalledWith("DELETE", "/api/v1/scans/s1/answers/r1/products.oven"));
  });

  it("keeps the focus in the item answered, where the answer moves it to another list or not", async () => {
    let current = report();
    // The server files the person's answer over the model's: the next read of the report has it.
    request.mockImplementation(async (method: string, url: string, init?: { body?: { value?: unknown } }) => {
      if (method === "GET") return current;
      if (method === "PUT") {
        const itemId = url.split("/").pop()!;
        current = structuredClone(current);
        const room = current.rooms[0];
        const [answers, key] = itemId.startsWith("products.") ? [room.products, itemId.slice("products.".length)] : [room.checklist, itemId];
        answers[key] = { ...answers[key], value: init?.body?.value, source: "person", model_value: answers[key].value };
      }
      return {} as never;
    });
    renderPage();
    const room = await screen.findByTestId("room-report");
    const itemOf = (id: string) => room.querySelector(`[data-item="${id}"]`) as HTMLElement;
    const press = async (id: string, choice: string) => {
      const button = within(itemOf(id)).getByRole("button", { name: choice });
      button.focus();
      fireEvent.click(button);
      // Saving, it stays focusable: a browser sends the focus of a button it disables to the page.
      expect((button as HTMLButtonElement).disabled).toBe(false);
      await waitFor(() => expect(within(itemOf(id)).getByRole("button", { name: choice }).getAttribute("aria-pressed")).toBe("true"));
      const focused = document.activeElement as HTMLElement;
      expect(focused.tagName).toBe("BUTTON");
      expect(focused.closest("[data-item]")).toBe(itemOf(id));
      expect(focused.textContent).toBe(choice);
    };
    // The product not seen, answered, joins the answered items; so does the item nobody assessed.
    await press("products.dishwasher", "Not present");
    expect(within(room).queryByTestId("not-seen")).toBeNull();
    await press("walls_condition", "Not visible");
    expect(within(room).queryByTestId("not-assessed")).toBeNull();
    // One already answered stays where it is.
    await press("floor_condition", "Good");
  });

  it("makes a finding from a poor answer and follows scan:updated from other tabs", async () => {
    const poor = report();
    poor.rooms[0].checklist.walls_condition = answer({ kind: "categorical", title: "Walls condition", value: "Poor", text: "Poor", source: "person" });
    request.mockImplementation(async (method: string) => (method === "GET" ? poor : ({} as never)));
    let listener: ((event: unknown) => void) | null = null;
    vi.spyOn(realtime, "onEvent").mockImplementation((fn) => {
      listener = fn as (event: unknown) => void;
      return () => undefined;
    });
    renderPage();
    const room = await screen.findByTestId("room-report");
    const walls = room.querySelector('[data-item="walls_condition"]') as HTMLElement;
    fireEvent.click(within(walls).getByRole("button", { name: "Make this a finding" }));
    const form = await screen.findByRole("form", { name: "New finding" });
    expect((within(form).getByRole("textbox", { name: "What is it?" }) as HTMLInputElement).value).toBe("Walls condition: poor");
    fireEvent.change(within(form).getByRole("combobox", { name: "Severity" }), { target: { value: "safety" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save finding" }));
    await waitFor(() =>
      expect(request).toHaveBeenCalledWith("POST", "/api/v1/scans/s1/findings", {
        body: expect.objectContaining({ title: "Walls condition: poor", severity: "safety", room_id: "r1", checklist_item_id: "walls_condition" }),
      }),
    );
    const gets = () => request.mock.calls.filter((call: unknown[]) => call[0] === "GET" && call[1] === "/api/v1/scans/s1/report").length;
    const before = gets();
    await act(async () => listener?.({ type: "scan:updated", payload: { scanId: "s1", eventId: 9 } }));
    await waitFor(() => expect(gets()).toBe(before + 1));
    await act(async () => listener?.({ type: "scan:updated", payload: { scanId: "other", eventId: 10 } }));
    expect(gets()).toBe(before + 1);
  });

  it("names each photo in the photo pickers by its room and number, for a screen reader", async () => {
    const poor = report();
    poor.rooms[0].images.push({ id: "i2", url: "/img/i2", thumbnail_url: "/img/i2" });
    poor.rooms[0].checklist.walls_condition = answer({ kind: "categorical", title: "Walls condition", value: "Poor", text: "Poor", source: "person" });
    request.mockImplementation(async (method: string) => (method === "GET" ? poor : ({} as never)));
    renderPage();
    const room = await screen.findByTestId("room-report");
    const walls = room.querySelector('[data-item="walls_condition"]') as HTMLElement;
    const attach = within(walls).getByRole("group", { name: "Photos to attach to Walls condition" });
    expect(within(attach).getByRole("checkbox", { name: "Kitchen photo 1" })).toBeTruthy();
    expect(within(attach).getByRole("checkbox", { name: "Kitchen photo 2" })).toBeTruthy();
    fireEvent.click(within(walls).getByRole("button", { name: "Make this a finding" }));
    const form = await screen.findByRole("form", { name: "New finding" });
    expect(within(form).getByRole("checkbox", { name: "Kitchen photo 1" })).toBeTruthy();
    expect(within(form).getByRole("img", { name: "Kitchen photo 2" })).toBeTruthy();
  });

  it("says an answer already made a finding is one, in its room, instead of offering to make another", async () => {
    request.mockImplementation(async (method: string) => {
      if (method !== "GET") return {} as never;
      const data = report();
      data.findings[1] = { ...data.findings[1], title: "Walls cracked", checklist_item_id: "walls_condition" };
      return data;
    });
    renderPage();
    const recorded = await screen.findByTestId("finding-recorded");
    expect(recorded.textContent).toContain("Finding recorded: Walls cracked");
    expect(screen.getAllByTestId("finding-recorded")).toHaveLength(1);
  });

  it("opens a photo full screen and closes it with Escape", async () => {
    renderPage();
    fireEvent.click(await screen.findByRole("button", { name: "Open photo 1 of Kitchen" }));
    expect(screen.getByRole("dialog")).toBeTruthy();
    fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("offers to re-analyse the rooms with new photos", async () => {
    const changed = report();
    changed.rooms[0].photos_changed = true;
    request.mockImplementation(async (method: string) => (method === "GET" ? changed : ({ room_ids: ["r1"] } as never)));
    renderPage();
    expect((await screen.findByTestId("photos-changed")).textContent).toContain("re-analyse this room");
    fireEvent.click(screen.getByRole("button", { name: "Re-analyse" }));
    await waitFor(() => expect(request).toHaveBeenCalledWith("POST", "/api/v1/scans/s1/reanalyse", { body: {} }));
  });
});
