import { plural, roomName } from "../../lib/format";
import type { RoomRead } from "../../lib/types";
import type { Progress } from "./useChecklists";
import { progressText } from "./Walkthrough";

/** The step after the rooms: the house's own checklist (`?room=house`). */
export const HOUSE_STEP = "house";

/** Every room, how many photos it has and how much of its checklist is checked, then the house. */
export default function RoomTabs({
  rooms,
  current,
  progress,
  onGo,
}: {
  rooms: RoomRead[];
  current: number | typeof HOUSE_STEP;
  progress: (scope: string) => Progress | null;
  onGo: (step: number | typeof HOUSE_STEP) => void;
}) {
  const house = progress(HOUSE_STEP);
  return (
    <nav className="room-tabs" aria-label="Rooms">
      {rooms.map((r, i) => {
        const p = progress(r.id);
        const here = r.ordinal === current;
        return (
          <button
            key={r.id}
            type="button"
            className={`room-tab${here ? " active" : ""}${r.images.length > 0 ? " has-photos" : ""}`}
            aria-current={here ? "step" : undefined}
            onClick={() => onGo(r.ordinal)}
          >
            <span className="room-tab-num" aria-hidden="true">
              {r.images.length > 0 ? "✓" : i + 1}
            </span>
            <span>{roomName(r)}</span>
            <span className="room-tab-count">
              {plural(r.images.length, "photo")}
              {p ? ` · ${progressText(p)}` : ""}
            </span>
          </button>
        );
      })}
      <button
        type="button"
        className={`room-tab house-tab${current === HOUSE_STEP ? " active" : ""}`}
        aria-current={current === HOUSE_STEP ? "step" : undefined}
        onClick={() => onGo(HOUSE_STEP)}
      >
        <span className="room-tab-num" aria-hidden="true">
          ⌂
        </span>
        <span>House</span>
        <span className="room-tab-count">{house ? progressText(house) : "checklist"}</span>
      </button>
    </nav>
  );
}
