import { useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { Alert, PageTitle, Spinner } from "../../components/ui";
import { CAPTURE_OFFLINE_TEXT, useOfflineText } from "../../components/Layout";
import { captureApi } from "./captureApi";
import Dropzone from "./Dropzone";
import PhotoHint from "./PhotoHint";
import RoomPhotos from "./RoomPhotos";
import PhotoQualityNotices, { usePhotoQuality } from "./PhotoQualityCheck";
import RoomTabs, { HOUSE_STEP } from "./RoomTabs";
import { AddRoom, EmptyRooms, photosOnTheirWay, RoomActions } from "./RoomTools";
import { checklistOf, HOUSE_TYPE_ITEM, useChecklists } from "./useChecklists";
import Walkthrough, { progressText } from "./Walkthrough";
import HouseTypeQuestion from "./HouseTypeQuestion";
import { answerKey } from "../../lib/answerQueue";
import "../review/review.css";
import "./capture.css";
import { reviewApi } from "../review/reviewApi";
import { api, ApiError } from "../../lib/api";
import { plural, roomName } from "../../lib/format";
import { closeUpsOf } from "./closeUps";
import {
  browserOutbox,
  queueFor,
  requestBackgroundSync,
  UPLOADS_SENT_EVENT,
  UploadQueue,
  type UploadItem,
} from "../../lib/uploadQueue";
import type { ImageRead, ScanDetail } from "../../lib/types";

interface Props {
  scan: ScanDetail;
  setScan: (update: (prev: ScanDetail | null) => ScanDetail | null) => void;
  reload: () => Promise<ScanDetail | null>;
}

function addImage(scan: ScanDetail | null, image: ImageRead, ordinal: number): ScanDetail | null {
  if (!scan) return scan;
  return {
    ...scan,
    rooms: scan.rooms.map((room) =>
      (image.room_id ? room.id === image.room_id : room.ordinal === ordinal) && !room.images.some((i) => i.id === image.id)
        ? { ...room, images: [...room.images, image] }
        : room,
    ),
  };
}

function uploadedKeys(items: UploadItem[]): string[] {
  return items.filter((i) => i.status === "done").map((i) => i.key);
}

export default function CapturePage({ scan, setScan, reload }: Props) {
  const [params, setParams] = useSearchParams();
  const rooms = useMemo(() => [...scan.rooms].sort((a, b) => a.ordinal - b.ordinal), [scan.rooms]);
  // Resume where photos are missing; chosen once, so the view does not jump when a room fills up.
  const [firstEmpty] = useState(() => rooms.find((r) => r.images.length === 0)?.ordinal ?? rooms[0]?.ordinal ?? 0);
  const onHouse = params.get("room") === HOUSE_STEP;
  const requested = Number(params.get("room"));
  const ordinal = params.has("room") && rooms.some((r) => r.ordinal === requested) ? requested : firstEmpty;
  const index = Math.max(0, rooms.findIndex((r) => r.ordinal === ordinal));
  const room = rooms[index];
  // Read again when a room is added, removed or renamed: its name may say its type ("Garden": the outside).
  const checklists = useChecklists(scan.id, rooms.map((r) => `${r.id}:${r.label ?? ""}`).join(","));

  const [items, setItems] = useState<UploadItem[]>([]);
  const [error, setError] = useState<string[] | null>(null);
  const [finishing, setFinishing] = useState(false);
  const [askEmpty, setAskEmpty] = useState(false);
  const [checkEarly, setCheckEarly] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const queueRef = useRef<UploadQueue | null>(null);
  if (queueRef.current === null) {
    // One queue per scan for the life of the app: leaving this page sends its photos instead of dropping them.
    queueRef.current = queueFor(
      scan.id,
      () =>
        new UploadQueue(
          (file, name, roomOrdinal, onProgress) => api.upload(scan.id, [{ file, name, roomOrdinal }], onProgress),
          () => undefined,
          2,
        ),
    );
    queueRef.current.keepOffline({
      scanId: scan.id,
      outbox: browserOutbox(),
      user: () => api.userId(),
      requestSync: requestBackgroundSync,
    });
  }
  const queue = queueRef.current;
  useOfflineText(CAPTURE_OFFLINE_TEXT);
  const quality = usePhotoQuality((key) => queue.remove(key));
  useEffect(() => {
    queue.listen(setItems, (item) => {
      if (item.image) setScan((prev) => addImage(prev, item.image!, item.roomOrdinal));
    });
    return () => {
      queue.start(); // leaving the page (another page of the app): staged photos go up, nothing is dropped
      queue.listen(() => undefined);
    };
  }, [queue, setScan]);

  // Back online: send what waited for the connection (what an earlier visit kept: watchOutbox, main.tsx).
  useEffect(() => {
    const online = () => queue.resumeOffline();
    const sent = () => void reload(); // photos of an earlier visit reached the server: show them
    online();
    window.addEventListener("online", online);
    window.addEventListener(UPLOADS_SENT_EVENT, sent);
    return () => {
      window.removeEventListener("online", online);
      window.removeEventListener(UPLOADS_SENT_EVENT, sent);
    };
  }, [queue, reload]);

  // Leaving the app on a phone (another app, the home screen, locking it): staged photos start uploading.
  useEffect(() => {
    const hidden = () => {
      if (document.visibilityState === "hidden" && queue.staged() > 0) queue.start();
    };
    document.addEventListener("visibilitychange", hidden);
    return () => document.removeEventListener("visibilitychange", hidden);
  }, [queue]);

  // Announce finished uploads and rejections to screen readers: how many photos the upload just added to this
  // room, once all of them are sent (the queue keeps every photo done since the page opened, in every room).
  const announcedRef = useRef<Set<string> | null>(null);
  if (announcedRef.current === null) announcedRef.current = new Set(uploadedKeys(queue.items));
  const rejected = items.filter((i) => i.status === "rejected" && i.roomOrdinal === room?.ordinal && !onHouse);
  const hereOrdinal = onHouse ? null : room?.ordinal;
  // Another room (or the house): the last room's news no longer applies, and a screen reader reading the live
  // region must not hear it here. Before the effects below, which may say this room's news.
  useEffect(() => setAnnouncement(""), [hereOrdinal]);
  useEffect(() => {
    const announced = announcedRef.current!;
    const fresh = items.filter((i) => i.status === "done" && !announced.has(i.key));
    const sending = items.some((i) => i.roomOrdinal === hereOrdinal && (i.status === "queued" || i.status === "uploading"));
    const freshHere = fresh.filter((i) => i.roomOrdinal === hereOrdinal);
    // Photos of another room finished while the person is here: not this room's news.
    for (const item of fresh) if (item.roomOrdinal !== hereOrdinal) announced.add(item.key);
    if (sending || freshHere.length === 0) return;
    for (const item of freshHere) announced.add(item.key);
    setAnnouncement(`${plural(freshHere.length, "photo")} uploaded. The room’s checklist is below the photos.`);
  }, [items, hereOrdinal]);
  useEffect(() => {
    if (rejected.length > 0) setAnnouncement(`${plural(rejected.length, "photo")} not accepted.`);
  }, [rejected.length]);

  // Ask before closing or reloading the tab while photos are staged or still being sent.
  const busy = items.some((i) => i.status === "queued" || i.status === "uploading");
  const unsent = items.some((i) => ["staged", "queued", "uploading"].includes(i.status));
  useEffect(() => {
    if (!unsent) return;
    const handler = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener("beforeunload", handler);
    return () => window.removeEventListener("beforeunload", handler);
  }, [unsent]);

  if (!room) return <Alert lines={["This scan has no rooms."]} />;

  const roomItems = items.filter((i) => i.roomOrdinal === room.ordinal && i.status !== "done");
  const staged = roomItems.filter((i) => i.status === "staged").length;
  const totalImages = rooms.reduce((n, r) => n + r.images.length, 0);
  const missing = rooms.filter((r) => r.images.length === 0);
  const isLast = index === rooms.length - 1;
  const whole = checklists.whole;

  function goTo(next: number | typeof HOUSE_STEP) {
    if (!onHouse) queue.start(room.ordinal); // photos chosen here go up while the person moves on
    setError(null);
    setParams({ room: String(next) });
  }

  function focusTitle() {
    requestAnimationFrame(() => document.querySelector<HTMLElement>("h1.page-title")?.focus());
  }

  /** Run a room edit; its refusal is shown (and rethrown, so a form stays open). */
  async function roomEdit(run: () => Promise<unknown>, what: string) {
    setError(null);
    try {
      await run();
      await reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.lines : [`Could not ${what}.`]);
      throw err;
    }
  }

  const renameRoom = (label: string) =>
    roomEdit(() => reviewApi.patchRoom(scan.id, room.id, { label: label.trim() || null }), "rename the room");

  async function addRoom(label: string) {
    let ordinalOfNew = 0;
    await roomEdit(async () => {
      ordinalOfNew = (await captureApi.addRoom(scan.id, label)).ordinal;
    }, "add the room");
    setParams({ room: String(ordinalOfNew) });
    focusTitle();
  }

  async function removeRoom(id: string) {
    const gone = rooms.find((r) => r.id === id);
    if (!gone) return;
    const stay = rooms.filter((r) => r.id !== id);
    const next = stay[Math.min(rooms.indexOf(gone), stay.length - 1)];
    try {
      await roomEdit(() => captureApi.removeRoom(scan.id, id), "remove the room");
    } catch {
      return;
    }
    for (const item of queue.items) if (item.roomOrdinal === gone.ordinal && item.status !== "uploading") queue.remove(item.key);
    if (gone.id === room.id && next) setParams({ room: String(next.ordinal) });
    focusTitle();
  }

  function addFiles(list: FileList | File[] | null) {
    const files = Array.from(list ?? []);
    if (files.length === 0) return;
    // Checked here first (a file the server would refuse is shown refused, never sent); the rest is staged:
    // reviewed (and removable) before it is sent.
    // Then each staged photo is checked for blur, darkness, glare, size and repeats (PhotoQualityCheck): a
    // flagged one stays staged until the person picks Retake or Keep.
    void queue.addChecked(files, room.ordinal).then((added) => quality.check(added, files));
    setError(null);
  }

  /** Close-ups for an item: photos of the room (the upload route), whose ids the answer then carries. */
  async function closeUp(roomOrdinal: number, files: File[]): Promise<string[]> {
    const result = await reviewApi.addPhotos(scan.id, roomOrdinal, files);
    for (const image of result.images) setScan((prev) => addImage(prev, image, roomOrdinal));
    const { ids, refused } = closeUpsOf(result, scan.rooms, roomOrdinal);
    if (refused.length > 0) setError(refused);
    return ids;
  }

  async function finish(withEmptyRooms = false) {
    setFinishing(true);
    setError(null);
    queue.start();
    await queue.idle();
    const failed = queue.items.filter((i) => i.status === "failed");
    if (failed.length > 0) {
      setError([`${plural(failed.length, "photo")} did not upload. Retry or remove them, then try again.`]);
      setFinishing(false);
      return;
    }
    const latest = await reload();
    // A room without photos does not block: the person removes it, or finishes with it on purpose.
    if (!withEmptyRooms && (latest ?? scan).rooms.some((r) => r.images.length === 0)) {
      setAskEmpty(true);
      setFinishing(false);
      return;
    }
    setAskEmpty(false);
    try {
      await api.processScan(scan.id);
      await reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.lines : ["Could not start the analysis."]);
      setFinishing(false);
    }
  }

  const scope = onHouse ? HOUSE_STEP : room.id;
  const checklist = checklistOf(checklists.report, scope);
  const progress = checklists.progress(scope);
  const showChecklist = onHouse || room.images.length > 0 || checkEarly === room.id;
  const noPhotos = totalImages === 0 && !items.some((i) => ["staged", "queued", "uploading"].includes(i.status));
  const finishButton = (
    <>
      <button
        type="button"
        className="btn btn-primary"
        onClick={() => void finish()}
        disabled={finishing || noPhotos}
        aria-describedby={noPhotos && !finishing ? "finish-why" : undefined}
      >
        {finishing ? (busy ? "Finishing uploads…" : "Starting analysis…") : "Finish and analyse"}
      </button>
      {noPhotos && !finishing && (
        <p id="finish-why" className="finish-why muted small">
          Add at least one photo to analyse.
        </p>
      )}
    </>
  );

  return (
    <section className="capture">
      <div className="page-head">
        <div>
          <p className="eyebrow">{scan.house?.address?.trim() || "Untitled home"}</p>
          {onHouse ? (
            <PageTitle title="Check the house">
              The house <span className="muted small-title">· after the rooms</span>
            </PageTitle>
          ) : (
            <PageTitle title={`Photograph ${roomName(room)}`}>
              {roomName(room)} <span className="muted small-title">· room {index + 1} of {rooms.length}</span>
            </PageTitle>
          )}
        </div>
      </div>
      {!onHouse && (
        <RoomActions
          key={`actions-${room.id}`}
          room={room}
          canRemove={rooms.length > 1}
          onTheirWay={photosOnTheirWay(items, room.ordinal)}
          onRename={renameRoom}
          onRemove={() => removeRoom(room.id)}
        />
      )}

      <RoomTabs rooms={rooms} current={onHouse ? HOUSE_STEP : room.ordinal} progress={checklists.progress} onGo={goTo} />
      <AddRoom onAdd={addRoom} />

      {!onHouse && (
        <>
          <PhotoHint room={checklists.report?.rooms.find((r) => r.id === room.id)} />
          <Dropzone onFiles={addFiles} />
          <PhotoQualityNotices
            notices={quality.notices.filter((n) => roomItems.some((i) => i.key === n.key && i.status === "staged"))}
            onKeep={quality.keep}
            onRetake={quality.retake}
          />

          <div className="visually-hidden" aria-live="polite">
            {announcement}
          </div>

          {rejected.length > 0 && (
            <Alert
              title={`${plural(rejected.length, "photo")} not accepted`}
              lines={rejected.map((i) => `${i.name}: ${i.messages.join("; ") || "rejected by the server"}`)}
            />
          )}

          <h2 className="section-title">
            Photos of {roomName(room)} <span className="muted">({plural(room.images.length, "uploaded photo")})</span>
          </h2>
          {room.images.length === 0 && roomItems.length === 0 && <p className="muted empty-photos">No photos of this room yet.</p>}
          <RoomPhotos name={roomName(room)} uploaded={room.images} items={roomItems} queue={queue} />

          {staged > 0 && (
            <div className="upload-bar">
              <span>{plural(staged, "photo")} ready. Review them, remove any you do not want, then upload.</span>
              <button type="button" className="btn btn-primary" onClick={() => queue.start(room.ordinal)} data-testid="upload-button">
                Upload {plural(staged, "photo")}
              </button>
            </div>
          )}
        </>
      )}

      {checklists.error && <Alert lines={[checklists.error]} />}
      {onHouse && (
        <HouseTypeQuestion
          report={checklists.report}
          pending={checklists.pending.get(answerKey(scan.id, HOUSE_STEP, HOUSE_TYPE_ITEM))}
          onChoose={(houseType) => checklists.save(HOUSE_STEP, HOUSE_TYPE_ITEM, houseType, null, [])}
        />
      )}
      {showChecklist && checklist && progress ? (
        <Walkthrough
          key={`walk-${scope}`}
          scanId={scan.id}
          scope={scope}
          name={onHouse ? "the house" : roomName(room)}
          checklist={checklist}
          pending={checklists.pending}
          progress={progress}
          photos={onHouse ? [] : room.images}
          onCloseUp={onHouse ? undefined : (files) => closeUp(room.ordinal, files)}
          onSave={(itemId, value, note, photoIds) => checklists.save(scope, itemId, value, note, photoIds)}
          onError={checklists.setError}
        />
      ) : showChecklist ? (
        !checklists.error && <Spinner label="Loading the checklist…" />
      ) : (
        <p className="muted walk-later">
          Once this room’s photos are uploaded, its checklist comes up here.{" "}
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => setCheckEarly(room.id)}>
            Check items now
          </button>
        </p>
      )}

      {askEmpty && missing.length > 0 && (
        <EmptyRooms
          rooms={missing}
          canRemove={missing.length < rooms.length}
          onGoTo={(n) => {
            setAskEmpty(false);
            goTo(n);
          }}
          onRemove={removeRoom}
          onFinishAnyway={() => void finish(true)}
        />
      )}
      {error && <Alert lines={error} />}

      <div className="capture-footer">
        <button
          type="button"
          className="btn btn-secondary"
          disabled={!onHouse && index === 0}
          onClick={() => goTo(onHouse ? rooms[rooms.length - 1].ordinal : rooms[index - 1].ordinal)}
        >
          ← Previous room
        </button>
        {!onHouse && !isLast && (
          <button type="button" className="btn btn-primary" onClick={() => goTo(rooms[index + 1].ordinal)}>
            Next room →
          </button>
        )}
        {!onHouse && isLast && (
          <button type="button" className="btn btn-secondary" onClick={() => goTo(HOUSE_STEP)}>
            The house →
          </button>
        )}
        {(onHouse || isLast) && finishButton}
      </div>
      <p className="muted small center">
        {plural(totalImages, "photo")} uploaded across {rooms.length - missing.length} of {plural(rooms.length, "room")}.
        {missing.length > 0 && ` Still to photograph: ${missing.map(roomName).join(", ")}.`}
        {whole && <span data-testid="home-progress"> Whole home: {progressText(whole)}.</span>}
        {checklists.waiting > 0 &&
          ` ${plural(checklists.waiting, "answer")} saved on this phone will go to the server when the connection returns.`}{" "}
        Uploaded photos and answers are saved: you can leave and come back to this scan later.
      </p>
    </section>
  );
}
