import { useMemo, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { Alert } from "../../components/ui";
import { useCreateScan } from "../scans/queries";
import { errorLines } from "../../lib/account";
import { formatDate } from "../../lib/format";
import type { HouseType, ScanDetail, ScanListItem } from "../../lib/types";
import { earlierScans } from "./decision";
import "./decision.css";
import { useScansOfHouse } from "./queries";

/**
 * One home over time, on its report: "Scan this home again" starts a new scan of the same house with the same
 * rooms, and the house type the person gave (`houseTypeByPerson`; a model's guess is not carried over, the
 * new photos may say more); where the house has earlier scans, "Changes since" opens what changed room by room,
 * and where it has later ones, each links to itself and to what changed since this one.
 */
/** The other scans of the same house started after this one, oldest first. */
export function laterScans(scans: ScanListItem[], current: { id: string; house_id: string; created_at: string }): ScanListItem[] {
  const at = Date.parse(current.created_at);
  return scans
    .filter((s) => s.id !== current.id && s.house_id === current.house_id && Date.parse(s.created_at) > at)
    .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
}

export default function HomeOverTime({ scan, houseTypeByPerson }: { scan: ScanDetail; houseTypeByPerson: HouseType | null }) {
  const navigate = useNavigate();
  const scansOfHouse = useScansOfHouse(scan.house.id);
  const earlier = useMemo(
    () =>
      scansOfHouse.data
        ? earlierScans(scansOfHouse.data, { id: scan.id, house_id: scan.house.id, created_at: scan.created_at })
        : scansOfHouse.isError
          ? []
          : null,
    [scansOfHouse.data, scansOfHouse.isError, scan.id, scan.house.id, scan.created_at],
  );
  const later = useMemo(
    () => (scansOfHouse.data ? laterScans(scansOfHouse.data, { id: scan.id, house_id: scan.house.id, created_at: scan.created_at }) : []),
    [scansOfHouse.data, scan.id, scan.house.id, scan.created_at],
  );
  // The latest earlier scan is picked until the person picks another.
  const [picked, setSince] = useState("");
  const since = picked || (earlier?.[0]?.id ?? "");
  const createScan = useCreateScan();
  const busy = createScan.isPending || createScan.isSuccess; // stays busy while the new scan opens
  const [error, setError] = useState<string[] | null>(null);

  async function scanAgain() {
    setError(null);
    try {
      const created = await createScan.mutateAsync({
        house_id: scan.house.id,
        rooms: scan.rooms.map((room) => (room.label?.trim() ? { label: room.label.trim() } : {})),
        ...(houseTypeByPerson ? { house_type: houseTypeByPerson } : {}),
      });
      navigate(`/scans/${created.id}`);
    } catch (err) {
      setError(errorLines(err, "The new scan could not be started."));
    }
  }

  return (
    <section className="card home-over-time no-print" aria-labelledby="over-time-title" data-testid="home-over-time">
      <h2 id="over-time-title" className="section-title">
        This home over time
      </h2>
      <p className="muted">
        Scan it again at move-in, move-out or a year on: the new scan’s rooms are paired with these, and you see room by room what
        changed.
      </p>
      {error && <Alert lines={error} />}
      {earlier && earlier.length > 0 && (
        <div className="form-row changes-since">
          <label className="field">
            <span>Earlier scan</span>
            <select value={since} onChange={(e) => setSince(e.target.value)}>
              {earlier.map((s) => (
                <option key={s.id} value={s.id}>
                  {formatDate(s.scanned_at ?? s.created_at)}
                </option>
              ))}
            </select>
          </label>
          <Link className="btn btn-secondary" to={`/scans/${scan.id}/changes?since=${encodeURIComponent(since)}`}>
            Changes since then
          </Link>
        </div>
      )}
      {later.length > 0 && (
        <ul className="later-scans" data-testid="later-scans">
          {later.map((s) => (
            <li key={s.id}>
              A later scan of this home: <Link to={`/scans/${s.id}`}>{formatDate(s.scanned_at ?? s.created_at)}</Link>
              {s.status === "succeeded" ? (
                <>
                  {" — "}
                  <Link to={`/scans/${s.id}/changes?since=${encodeURIComponent(scan.id)}`}>see what changed</Link>
                </>
              ) : (
                " (not finished yet)"
              )}
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="btn btn-secondary" onClick={() => void scanAgain()} disabled={busy}>
        {busy ? "Starting…" : "Scan this home again"}
      </button>
    </section>
  );
}
