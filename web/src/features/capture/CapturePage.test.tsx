import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import CapturePage from "./CapturePage";
import { captureApi } from "./captureApi";
import { reviewApi, type Report } from "../review/reviewApi";
import { api } from "../../lib/api";
import { AuthProvider } from "../../lib/auth";
import Layout from "../../components/Layout";
import { forgetQueue, queueFor, UploadQueue } from "../../lib/uploadQueue";
import type { ImageRead, ScanDetail } from "../../lib/types";

const AT = "2026-01-01T10:00:00Z";
const image = { id: "i1", room_id: "r1", thumbnail_url: "/t/i1.webp", url: "/i1", medium_url: "/m/i1" } as ImageRead;

function draft(rooms: { id: string; label: string; images: ImageRead[] }[]): ScanDetail {
  return {
    id: "s1",
    status: "draft",
    created_at: AT,
    house: { id: "h1", address: "1 Test Street", house_type: null, status: "active", created_at: AT, updated_at: AT },
    rooms: rooms.map((room, ordinal) => ({ ...room, ordinal, detected_room_types: [] })),
    agent_runs: [],
  } as unknown as ScanDetail;
}

const report = {
  scan_id: "s1",
  status: "draft",
  house: { address: "1 Test Street", checklist: {} },
  rooms: [],
} as unknown as Report;

function capture(scan: ScanDetail, at = "/scans/s1?room=1", around = (page: ReactNode) => page) {
  const reload = vi.fn(async () => scan);
  render(
    <MemoryRouter initialEntries={[at]}>{around(<CapturePage scan={scan} setScan={() => undefined} reload={reload} />)}</MemoryRouter>,
  );
  return reload;
}

describe("finishing a capture with a room without photos", () => {
  let processScan: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    vi.spyOn(reviewApi, "report").mockResolvedValue(report);
    processScan = vi.spyOn(api, "processScan").mockResolvedValue({} as never);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    forgetQueue("s1");
    delete (Element.prototype as Partial<Element>).scrollIntoView;
  });

  const scan = draft([
    { id: "r1", label: "Kitchen", images: [image] },
    { id: "r2", label: "Bedroom", images: [] },
  ]);

  it("is not blocked: the person finishes without it on purpose", async () => {
    capture(scan);
    fireEvent.click(screen.getByRole("button", { name: "Finish and analyse" }));
    const scrolled = vi.fn();
    Element.prototype.scrollIntoView = scrolled; // jsdom has none; taken away again after each test
    const question = await screen.findByTestId("empty-rooms");
    expect(question.textContent).toContain("Bedroom has no photos");
    await waitFor(() => expect(document.activeElement).toBe(question));
    // Its end brought into view (above the sticky bottom bar, by its scroll margin), not just its top edge.
    expect(scrolled.mock.contexts).toContain(question);
    expect(scrolled).toHaveBeenCalledWith({ block: "end" });
    expect(processScan).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Finish without photos of it" }));
    await waitFor(() => expect(processScan).toHaveBeenCalledWith("s1"));
  });

  it("or removes it, after a confirmation", async () => {
    const removeRoom = vi.spyOn(captureApi, "removeRoom").mockResolvedValue(undefined);
    const reload = capture(scan);
    fireEvent.click(screen.getByRole("button", { name: "Finish and analyse" }));
    await screen.findByTestId("empty-rooms");
    fireEvent.click(screen.getByRole("button", { name: "Remove" }));
    expect(removeRoom).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Remove Bedroom" }));
    await waitFor(() => expect(removeRoom).toHaveBeenCalledWith("s1", "r2"));
    await waitFor(() => expect(reload).toHaveBeenCalledTimes(2)); // once to finish, once after the removal
    expect(processScan).not.toHaveBeenCalled();
  });

  it("cannot remove the only room", async () => {
    capture(draft([{ id: "r1", label: "Kitchen", images: [] }]), "/scans/s1?room=0");
    await act(async () => undefined); // the checklists arrive
    expect(screen.getByRole("button", { name: "Rename room" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Remove room" })).toBeNull();
  });
});

describe("removing a room whose photos are not on the server yet", () => {
  beforeEach(() => {
    vi.spyOn(reviewApi, "report").mockResolvedValue(report);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    forgetQueue("s1");
    delete (Element.prototype as Partial<Element>).scrollIntoView;
  });

  const scan = draft([
    { id: "r1", label: "Kitchen", images: [image] },
    { id: "r2", label: "Bedroom", images: [] },
  ]);

  /** The scan's queue, made before the page opens, with one photo of the Bedroom chosen (staged); an upload
   * never ends. */
  function queueWithStagedBedroomPhoto(): UploadQueue {
    const sending = () => ({ promise: new Promise<never>(() => undefined), abort: () => undefined });
    const queue = queueFor("s1", () => new UploadQueue(sending, () => undefined));
    queue.add([new File(["x"], "bed.jpg", { type: "image/jpeg" })], 1);
    return queue;
  }

  it("is allowed while its photos are only staged, and they go with the room", async () => {
    const queue = queueWithStagedBedroomPhoto();
    const removeRoom = vi.spyOn(captureApi, "removeRoom").mockResolvedValue(undefined);
    capture(scan);
    await act(async () => undefined);
    expect(screen.queryByText(/Wait for this room/)).toBeNull();
    const remove = screen.getByRole("button", { name: "Remove room" }) as HTMLButtonElement;
    expect(remove.disabled).toBe(false);
    fireEvent.click(remove);
    fireEvent.click(screen.getByRole("button", { name: "Remove Bedroom" }));
    await waitFor(() => expect(removeRoom).toHaveBeenCalledWith("s1", "r2"));
    await waitFor(() => expect(queue.items).toHaveLength(0));
  });

  it("waits while its photos are uploading", async () => {
    const queue = queueWithStagedBedroomPhoto();
    queue.start();
    expect(queue.items[0].status).toBe("uploading");
    capture(scan);
    await act(async () => undefined);
    expect((screen.getByRole("button", { name: "Remove room" }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("Wait for this room’s photos to upload before removing it.")).toBeTruthy();
  });
});

describe("offline on the capture page", () => {
  beforeEach(() => {
    vi.spyOn(reviewApi, "report").mockResolvedValue(report);
    vi.spyOn(navigator, "onLine", "get").mockReturnValue(false);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    forgetQueue("s1");
  });

  it("the banner says that photos and answers wait on the phone", async () => {
    const inApp = (page: ReactNode) => (
      <AuthProvider>
        <Layout>{page}</Layout>
      </AuthProvider>
    );
    capture(draft([{ id: "r1", label: "Kitchen", images: [] }]), "/scans/s1?room=0", inApp);
    await act(async () => undefined);
    expect(screen.getByText(/^You are offline\./).textContent).toBe(
      "You are offline. Photos and answers are kept on this phone and sent when the connection returns.",
    );
  });
});

describe("the message after an upload", () => {
  beforeEach(() => {
    vi.spyOn(reviewApi, "report").mockResolvedValue(report);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    forgetQueue("s1");
  });

  it("counts the photos this upload added to this room, not every photo uploaded since the page opened", async () => {
    let n = 0;
    const uploaded = () => ({
      promise: Promise.resolve({ images: [{ ...image, id: `i${++n}`, room_id: null }], duplicates: [] } as never),
      abort: () => undefined,
    });
    const queue = queueFor("s1", () => new UploadQueue(uploaded, () => undefined));
    const photos = (count: number, name: string) =>
      Array.from({ length: count }, (_, i) => new File(["x"], `${name}${i}.jpg`, { type: "image/jpeg" }));
    const scan = draft([
      { id: "r1", label: "Living room", images: [] },
      { id: "r2", label: "Bathroom", images: [] },
    ]);
    capture(scan, "/scans/s1?room=0");
    await act(async () => undefined);

    await act(async () => {
      queue.add(photos(3, "living"), 0);
      queue.start(0);
      await queue.idle();
    });
    expect(screen.getByText("3 photos uploaded. The room’s checklist is below the photos.")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Next room →" }));
    await act(async () => {
      queue.add(photos(2, "bath"), 1);
      queue.start(1);
      await queue.idle();
    });
    expect(screen.getByText("2 photos uploaded. The room’s checklist is below the photos.")).toBeTruthy();
  });

  it("is not heard in the next room: moving on clears it", async () => {
    const uploaded = () => ({
      promise: Promise.resolve({ images: [{ ...image, id: "i9", room_id: null }], duplicates: [] } as never),
      abort: () => undefined,
    });
    const queue = queueFor("s1", () => new UploadQueue(uploaded, () => undefined));
    capture(
      draft([
        { id: "r1", label: "Living room", images: [] },
        { id: "r2", label: "Exterior", images: [] },
      ]),
      "/scans/s1?room=0",
    );
    await act(async () => undefined);
    await act(async () => {
      queue.add([new File(["x"], "living.jpg", { type: "image/jpeg" })], 0);
      queue.start(0);
      await queue.idle();
    });
    const said = screen.getByText("1 photo uploaded. The room’s checklist is below the photos.");
    expect(said.getAttribute("aria-live")).toBe("polite");
    fireEvent.click(screen.getByRole("button", { name: "Next room →" }));
    await screen.findByRole("heading", { level: 1, name: /^Exterior/ });
    expect(said.textContent).toBe("");
    expect(screen.queryByText(/photos? uploaded\. The room’s checklist/)).toBeNull();
  });
});

describe("finishing a scan without any photo", () => {
  beforeEach(() => {
    vi.spyOn(reviewApi, "report").mockResolvedValue(report);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    forgetQueue("s1");
  });

  it("is not offered, and the greyed-out button says why", async () => {
    capture(draft([{ id: "r1", label: "Kitchen", images: [] }]), "/scans/s1?room=0");
    await act(async () => undefined);
    const finish = screen.getByRole("button", { name: "Finish and analyse" }) as HTMLButtonElement;
    expect(finish.disabled).toBe(true);
    const why = document.getElementById(finish.getAttribute("aria-describedby") ?? "");
    expect(why?.textContent).toBe("Add at least one photo to analyse.");
  });

  it("says nothing of the kind once there is a photo", async () => {
    capture(draft([{ id: "r1", label: "Kitchen", images: [image] }]), "/scans/s1?room=0");
    await act(async () => undefined);
    const finish = screen.getByRole("button", { name: "Finish and analyse" }) as HTMLButtonElement;
    expect(finish.disabled).toBe(false);
    expect(finish.hasAttribute("aria-describedby")).toBe(false);
    expect(screen.queryByText("Add at least one photo to analyse.")).toBeNull();
  });
});
