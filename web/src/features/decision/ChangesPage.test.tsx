import { render, screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import ChangesPage, { AnswerChanges } from "./ChangesPage";
import type { Changes, RoomChanges } from "./decisionApi";
import { api } from "../../lib/api";
import { setViewerTimeZone } from "../../lib/format";
import { adoptPreferences } from "../account/preferences";
import { withQueries } from "../../test-utils";

type Change = RoomChanges["answers_changed"][number];

const answer = (value: unknown, text: string, source = "person") => ({ value, text, source, photo_ids: [], candidates: [] });

function change(itemId: string, title: string, before: ReturnType<typeof answer>, after: ReturnType<typeof answer>, notAgain = false): Change {
  return { item_id: itemId, before: { ...before, title }, after: { ...after, title }, not_checked_again: notAgain } as unknown as Change;
}

describe("a room's answers then and now", () => {
  it("lists real changes, and apart from them the items nobody checked this time", () => {
    render(
      <AnswerChanges
        changes={[
          change("walls_condition", "Walls condition", answer("Good", "Good"), answer("Poor", "Poor")),
          change("floor_condition", "Floor condition", answer("Good", "Good"), answer(null, "Not assessed", "model"), true),
        ]}
      />,
    );
    expect(screen.getByText("Answers changed (1)")).toBeTruthy();
    const changed = screen.getByTestId("answers-changed");
    expect(changed.textContent).toContain("Walls condition");
    expect(changed.textContent).not.toContain("Floor condition");
    expect(screen.getByTestId("not-checked-again").textContent).toBe("Not checked this time (1): Floor condition (then: Good (you)).");
  });

  it("says no answer changed when the only differences are items not checked again", () => {
    render(<AnswerChanges changes={[change("floor_condition", "Floor condition", answer("Good", "Good"), answer(null, "Not assessed"), true)]} />);
    expect(screen.getByText("No answer changed.")).toBeTruthy();
    expect(screen.getByTestId("not-checked-again")).toBeTruthy();
  });
});

/** The changes of scan "now" since scan "then", as their page shows them. */
function renderChangesPage() {
  render(
    withQueries(
      <MemoryRouter initialEntries={["/scans/now/changes?since=then"]}>
        <Routes>
          <Route path="/scans/:scanId/changes" element={<ChangesPage />} />
        </Routes>
      </MemoryRouter>,
    ),
  );
}

const finding = (id: string, title: string, severity: string, roomId: string | null) =>
  ({ id, title, severity, room_id: roomId, photo_ids: [], marks: [], source: "person" }) as unknown;

describe("ChangesPage", () => {
  afterEach(() => vi.restoreAllMocks());

  it("shows the whole home's changes, and findings of then not recorded now without calling them resolved", async () => {
    const changes = {
      scan_id: "now",
      since: "then",
      since_scanned_at: "2026-12-01T10:00:00Z",
      address: "12 Acacia Avenue",
      earlier_rooms: [{ id: "k0", name: "Kitchen" }],
      rooms: [
        {
          room_id: "k1",
          earlier_room_id: "k0",
          label: "Kitchen",
          earlier_label: "Kitchen",
          paired_by: "label",
          findings_new: [],
          findings_resolved: [finding("f1", "Damp patch under the window", "major", "k0")],
          answers_changed: [],
          photos: { now: [], before: [] },
        },
      ],
      house: {
        findings_new: [finding("f2", "No smoke alarm on the landing", "safety", null)],
        findings_resolved: [finding("f3", "Loose stair handrail", "safety", null)],
        answers_changed: [change("natural_light", "Natural light", answer("Good", "Good"), answer("Poor", "Poor"))],
      },
    } as unknown as Changes;
    vi.spyOn(api, "request").mockImplementation(async (method: string, url: string) => {
      if (url.endsWith("/me/preferences")) return { currency: "EUR", time_zone: "UTC" } as never;
      if (url.startsWith("/api/v1/scans/now/changes")) return changes as never;
      throw new Error(`unexpected ${method} ${url}`);
    });
    renderChangesPage();
    const house = await screen.findByTestId("change-house");
    expect(within(house).getByRole("heading", { name: "The whole home" })).toBeTruthy();
    expect(within(house).getByText("New findings (1)").parentElement?.textContent).toContain("No smoke alarm on the landing");
    expect(within(house).getByTestId("findings-not-again").textContent).toContain("Not recorded this time (1)");
    expect(within(house).getByTestId("findings-not-again").textContent).toContain("Loose stair handrail");
    expect(within(house).getByTestId("answers-changed").textContent).toBe("Natural lightGood (you) → Poor (you)");
    const kitchen = screen.getByTestId("change-room");
    expect(within(kitchen).getByTestId("findings-not-again").textContent).toBe(
      "Not recorded this time (1)Recorded in the earlier scan, not in this one: fixed, or not recorded again.Major Damp patch under the window",
    );
    expect(document.body.textContent).not.toMatch(/resolved/i);
  });
});

describe("ChangesPage's title", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    setViewerTimeZone(null);
  });

  it("names the earlier scan's day and time in the account's time zone: two scans of one day are told apart", async () => {
    adoptPreferences({ currency: "EUR", time_zone: "Europe/Berlin" });
    const changes = { scan_id: "now", since: "then", since_scanned_at: "2026-12-07T20:40:00Z", address: "12 Elm Street", earlier_rooms: [], rooms: [], house: null };
    vi.spyOn(api, "request").mockImplementation(async (method: string, url: string) => {
      if (url.startsWith("/api/v1/scans/now/changes")) return changes as never;
      throw new Error(`unexpected ${method} ${url}`);
    });
    renderChangesPage();
    expect(await screen.findByRole("heading", { level: 1, name: "Changes since 7 Dec 2026, 21:40 CET" })).toBeTruthy();
  });
});
