import { useEffect, useRef, useState, type FormEvent } from "react";
import { ConfirmButton } from "../../components/ui";
import { plural, roomName } from "../../lib/format";
import type { UploadItem } from "../../lib/uploadQueue";

export const ROOM_SUGGESTIONS = ["Living room", "Kitchen", "Bedroom", "Bathroom", "Hallway", "Office", "Dining room", "Balcony"];

interface NamedRoom {
  label?: string | null;
  ordinal: number;
  images: unknown[];
}

/** A ref for the button that opens a form: the focus comes back to it when the form closes (`back`). */
function useFocusBack(open: boolean, back: boolean) {
  const ref = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);
  useEffect(() => {
    if (wasOpen.current && !open && back) ref.current?.focus();
    wasOpen.current = open;
  }, [open, back]);
  return ref;
}

/** A one-field form that takes the focus when it opens; `onClose(saved)` when it is done or cancelled. */
function NameForm({
  label,
  initial,
  submitText,
  onSubmit,
  onClose,
}: {
  label: string;
  initial: string;
  submitText: string;
  onSubmit: (name: string) => Promise<void>;
  onClose: (saved: boolean) => void;
}) {
  const [name, setName] = useState(initial);
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => inputRef.current?.focus(), []);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      await onSubmit(name);
      onClose(true);
    } catch {
      // Stays open; the page says what was wrong.
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="room-form" onSubmit={(e) => void submit(e)} onKeyDown={(e) => e.key === "Escape" && onClose(false)}>
      <label className="field">
        <span>{label}</span>
        <input ref={inputRef} list="capture-room-suggestions" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <datalist id="capture-room-suggestions">
        {ROOM_SUGGESTIONS.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      <span className="room-form-buttons">
        <button type="submit" className="btn btn-primary btn-sm" disabled={busy}>
          {submitText}
        </button>
        <button type="button" className="btn btn-ghost btn-sm" onClick={() => onClose(false)}>
          Cancel
        </button>
      </span>
    </form>
  );
}

/** A room's photos that block removing it: being sent, or waiting to be sent (for an upload slot or for the
 * connection). Staged photos (chosen, not sending) do not: they are removed with the room. */
export function photosOnTheirWay(items: Pick<UploadItem, "roomOrdinal" | "status">[], roomOrdinal: number): number {
  return items.filter((i) => i.roomOrdinal === roomOrdinal && ["queued", "uploading", "offline"].includes(i.status)).length;
}

/** Rename or remove the room being photographed. A room with photos on their way cannot be removed. */
export function RoomActions({
  room,
  canRemove,
  onTheirWay,
  onRename,
  onRemove,
}: {
  room: NamedRoom;
  canRemove: boolean;
  onTheirWay: number;
  onRename: (label: string) => Promise<void>;
  onRemove: () => Promise<void>;
}) {
  const [renaming, setRenaming] = useState(false);
  const [busy, setBusy] = useState(false);
  const renameRef = useFocusBack(renaming, true);
  const name = roomName(room);
  const photos = room.images.length;
  if (renaming) {
    return (
      <NameForm
        label="Room name"
        initial={room.label ?? ""}
        submitText="Save name"
        onSubmit={onRename}
        onClose={() => setRenaming(false)}
      />
    );
  }
  return (
    <div className="room-actions">
      <button ref={renameRef} type="button" className="btn btn-ghost btn-sm" onClick={() => setRenaming(true)}>
        Rename room
      </button>
      {canRemove && (
        <ConfirmButton
          label="Remove room"
          confirmLabel={photos > 0 ? `Remove ${name} and its ${plural(photos, "photo")}` : `Remove ${name}`}
          busy={busy || onTheirWay > 0}
          onConfirm={() => {
            setBusy(true);
            void onRemove().finally(() => setBusy(false));
          }}
        />
      )}
      {canRemove && onTheirWay > 0 && <span className="muted small">Wait for this room’s photos to upload before removing it.</span>}
    </div>
  );
}

/** "Add a room" and its form. */
export function AddRoom({ onAdd }: { onAdd: (label: string) => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [added, setAdded] = useState(false);
  const buttonRef = useFocusBack(open, !added); // a room added: the focus is on its title instead
  if (open) {
    return (
      <NameForm
        label="Name of the new room (optional)"
        initial=""
        submitText="Add room"
        onSubmit={onAdd}
        onClose={(saved) => {
          setAdded(saved);
          setOpen(false);
        }}
      />
    );
  }
  return (
    <button ref={buttonRef} type="button" className="btn btn-secondary btn-sm add-room" onClick={() => setOpen(true)}>
      + Add a room
    </button>
  );
}

/** Finishing with rooms that have no photos: remove each (confirmed), or finish with them on purpose. */
export function EmptyRooms({
  rooms,
  onGoTo,
  onRemove,
  onFinishAnyway,
  canRemove,
}: {
  rooms: (NamedRoom & { id: string })[];
  onGoTo: (ordinal: number) => void;
  onRemove: (id: string) => Promise<void>;
  onFinishAnyway: () => void;
  canRemove: boolean;
}) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    // Its end in view above the sticky bottom bar (scroll-margin-bottom, capture.css): focus alone scrolled it
    // just into the viewport, its Remove and Finish buttons under the bar.
    ref.current?.focus({ preventScroll: true });
    ref.current?.scrollIntoView?.({ block: "end" });
  }, []);
  const names = rooms.map(roomName);
  return (
    <section ref={ref} tabIndex={-1} className="alert alert-warning empty-rooms" aria-labelledby="empty-rooms-title" data-testid="empty-rooms">
      <strong id="empty-rooms-title" className="alert-title">
        {names.length === 1 ? `${names[0]} has no photos` : `${plural(names.length, "room")} have no photos`}
      </strong>
      <p>
        {names.length === 1
          ? "Photograph it, remove it, or finish without it: the report then lists it as a room without photos."
          : "Photograph them, remove them, or finish without them: the report then lists them as rooms without photos."}
      </p>
      <ul>
        {rooms.map((room) => (
          <li key={room.id}>
            <span>{roomName(room)}</span>{" "}
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => onGoTo(room.ordinal)}>
              Photograph it<span className="visually-hidden"> ({roomName(room)})</span>
            </button>
            {canRemove && (
              <ConfirmButton label="Remove" confirmLabel={`Remove ${roomName(room)}`} onConfirm={() => void onRemove(room.id)} />
            )}
          </li>
        ))}
      </ul>
      <button type="button" className="btn btn-primary" onClick={onFinishAnyway}>
        Finish without photos of {names.length === 1 ? "it" : "them"}
      </button>
    </section>
  );
}
