import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { Link, NavLink, useLocation, useNavigate } from "react-router-dom";
import { useAuth } from "../lib/auth";

function useOnline(): boolean {
  const [online, setOnline] = useState(typeof navigator === "undefined" ? true : navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, []);
  return online;
}

const OFFLINE_TEXT = "You are offline. Reports you have opened before are still available.";
export const CAPTURE_OFFLINE_TEXT =
  "You are offline. Photos and answers are kept on this phone and sent when the connection returns.";

/** Set by the page shown when what the offline banner should say differs from the app's default. */
const PageOfflineText = createContext<(text: string | null) => void>(() => undefined);

/** The offline banner says `text` while the calling page is shown (the capture page: what waits on the phone). */
export function useOfflineText(text: string): void {
  const setText = useContext(PageOfflineText);
  useEffect(() => {
    setText(text);
    return () => setText(null);
  }, [setText, text]);
}

export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 64 64" width="28" height="28" aria-hidden="true">
      <rect width="64" height="64" rx="14" fill="#0f5f5c" />
      <path d="M14 32 32 17l18 15v16a2 2 0 0 1-2 2H16a2 2 0 0 1-2-2Z" fill="#fff" />
      <circle cx="32" cy="37" r="7" fill="none" stroke="#0f5f5c" strokeWidth="4" />
      <path d="m37 42 5 5" stroke="#0f5f5c" strokeWidth="4" strokeLinecap="round" />
    </svg>
  );
}

export default function Layout({ children }: { children: ReactNode }) {
  const { status, user, logout } = useAuth();
  const online = useOnline();
  const [pageOfflineText, setPageOfflineText] = useState<string | null>(null);
  const navigate = useNavigate();
  const location = useLocation();

  const firstRender = useRef(true);
  useEffect(() => {
    // New page (not the first load): start at the top and move focus to its heading, if any.
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    window.scrollTo(0, 0);
    const heading = document.querySelector<HTMLElement>("main h1");
    heading?.focus({ preventScroll: true });
  }, [location.pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar no-print">
        <div className="topbar-inner">
          <Link to="/" className="brand" aria-label="HouseScan home">
            <Logo />
            <span>HouseScan</span>
          </Link>
          {status === "signedIn" && (
            <nav aria-label="Main" className="nav">
              <NavLink to="/" end>
                Scans
              </NavLink>
              <NavLink to="/scans/new">New scan</NavLink>
              <NavLink to="/settings">Settings</NavLink>
              {user?.role === "admin" && <NavLink to="/admin">Admin</NavLink>}
              <button
                type="button"
                className="btn btn-ghost btn-sm"
                title={user?.email ?? undefined}
                onClick={() => {
                  logout();
                  navigate("/login");
                }}
              >
                Log out
              </button>
            </nav>
          )}
        </div>
      </header>
      {!online && (
        <div className="offline-banner no-print" role="status">
          {pageOfflineText ?? OFFLINE_TEXT}
        </div>
      )}
      <main id="main" className="container">
        <PageOfflineText.Provider value={setPageOfflineText}>{children}</PageOfflineText.Provider>
      </main>
    </>
  );
}
