import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { Alert, PageTitle } from "../../components/ui";
import { ROOM_SUGGESTIONS } from "./RoomTools";
import { HOUSE_TYPES, label } from "../review/reviewApi";
import { ApiError } from "../../lib/api";
import { useCreateScan } from "../scans/queries";

const MAX_ROOMS = 30;

export default function NewScanPage() {
  const navigate = useNavigate();
  const [address, setAddress] = useState("");
  const [houseType, setHouseType] = useState<(typeof HOUSE_TYPES)[number] | "">("");
  const [rooms, setRooms] = useState<string[]>(["", ""]);
  const [error, setError] = useState<string[] | null>(null);
  const createScan = useCreateScan();
  const busy = createScan.isPending || createScan.isSuccess; // stays busy while the scan opens

  function setCount(n: number) {
    const count = Math.max(1, Math.min(MAX_ROOMS, Number.isFinite(n) ? Math.round(n) : 1));
    setRooms((prev) => (count > prev.length ? [...prev, ...Array(count - prev.length).fill("")] : prev.slice(0, count)));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const scan = await createScan.mutateAsync({
        address: address.trim() || undefined,
        house_type: houseType || undefined,
        rooms: rooms.map((label) => (label.trim() ? { label: label.trim() } : {})),
      });
      navigate(`/scans/${scan.id}`);
    } catch (err) {
      setError(err instanceof ApiError ? err.lines : ["Could not start the scan."]);
    }
  }

  return (
    <section className="narrow">
      <PageTitle title="New scan">Start a scan</PageTitle>
      <p className="muted">
        Tell us about the home. You will photograph the rooms one by one next, and can add, rename or remove rooms
        as you go.
      </p>
      {error && <Alert lines={error} />}
      <form className="form card" onSubmit={submit}>
        <label className="field">
          <span>
            Address <em className="optional">optional</em>
          </span>
          <input
            autoComplete="street-address"
            placeholder="e.g. 12 Harbour Street, flat 3"
            value={address}
            maxLength={500}
            onChange={(e) => setAddress(e.target.value)}
          />
        </label>
        <label className="field">
          <span>
            House type <em className="optional">optional: if you know it, the analysis will not guess it</em>
          </span>
          <select value={houseType} onChange={(e) => setHouseType(e.target.value as typeof houseType)}>
            <option value="">Let the analysis decide</option>
            {HOUSE_TYPES.map((type) => (
              <option key={type} value={type}>
                {label(type)}
              </option>
            ))}
          </select>
        </label>
        <div className="field">
          <label htmlFor="room-count">Number of rooms</label>
          <div className="stepper">
            <button type="button" className="btn btn-secondary" aria-label="One room fewer" onClick={() => setCount(rooms.length - 1)} disabled={rooms.length <= 1}>
              −
            </button>
            <input
              id="room-count"
              type="number"
              inputMode="numeric"
              min={1}
              max={MAX_ROOMS}
              value={rooms.length}
              onChange={(e) => setCount(Number(e.target.value))}
            />
            <button type="button" className="btn btn-secondary" aria-label="One room more" onClick={() => setCount(rooms.length + 1)} disabled={rooms.length >= MAX_ROOMS}>
              +
            </button>
          </div>
        </div>
        <fieldset className="rooms-fieldset">
          <legend>
            Room names <em className="optional">optional</em>
          </legend>
          <datalist id="room-suggestions">
            {ROOM_SUGGESTIONS.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
          <ol className="room-names">
            {rooms.map((label, index) => (
              <li key={index}>
                <label className="field inline">
                  <span className="room-num">Room {index + 1}</span>
                  <input
                    list="room-suggestions"
                    placeholder={`e.g. ${ROOM_SUGGESTIONS[index % ROOM_SUGGESTIONS.length]}`}
                    value={label}
                    maxLength={100}
                    onChange={(e) => setRooms((prev) => prev.map((v, i) => (i === index ? e.target.value : v)))}
                  />
                </label>
              </li>
            ))}
          </ol>
        </fieldset>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? "Starting…" : "Start photographing"}
        </button>
      </form>
    </section>
  );
}
