import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { api, ApiError, jwtSubject, refreshMargin } from "./api";
import { realtime } from "./realtime";
import { clearApiCache } from "./sw-register";
import type { User } from "./types";

const USER_KEY = "housescan.user";

type Status = "loading" | "signedIn" | "signedOut";

interface AuthValue {
  status: Status;
  user: User | null;
  login: (email: string, password: string) => Promise<void>;
  register: (body: { email: string; password: string; first_name?: string; last_name?: string }) => Promise<void>;
  /** Signs out at once (every tab follows); the server is told in the background. */
  logout: () => void;
}

const AuthContext = createContext<AuthValue | null>(null);

function cachedUser(): User | null {
  try {
    const raw = localStorage.getItem(USER_KEY);
    return raw ? (JSON.parse(raw) as User) : null;
  } catch {
    return null;
  }
}

function cacheUser(user: User | null): void {
  try {
    if (user) localStorage.setItem(USER_KEY, JSON.stringify(user));
    else localStorage.removeItem(USER_KEY);
  } catch {
    /* ignore */
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>(api.isSignedIn() ? "loading" : "signedOut");
  const [user, setUser] = useState<User | null>(api.isSignedIn() ? cachedUser() : null);
  const userRef = useRef(user);
  userRef.current = user;

  // Whenever the session ends (logout here or in another tab, refresh refused), the person is signed out;
  // when another tab signs in (or in as someone else), this one follows with a token of its own.
  useEffect(
    () =>
      api.onTokensChange((tokens, origin) => {
        if (!tokens) {
          realtime.stop();
          clearApiCache();
          cacheUser(null);
          setUser(null);
          setStatus("signedOut");
          return;
        }
        const subject = jwtSubject(tokens.access_token);
        if (origin !== "storage" || (userRef.current && (subject === null || subject === userRef.current.id))) return;
        api
          .me()
          .then((me) => {
            if (!api.isSignedIn()) return;
            cacheUser(me);
            setUser(me);
            setStatus("signedIn");
          })
          .catch(() => {
            /* the next call meets the same answer and deals with it */
          });
      }),
    [],
  );

  // Sign-in at start-up: a page holds no token yet, so the first call refreshes through the HttpOnly cookie;
  // offline, the session is trusted so an opened report still shows (from the service worker's copies).
  useEffect(() => {
    if (!api.isSignedIn()) return;
    let cancelled = false;
    api
      .me()
      .then((me) => {
        if (cancelled) return;
        cacheUser(me);
        setUser(me);
        setStatus("signedIn");
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        if (error instanceof ApiError && (error.status === 401 || error.status === 403 || error.status === 404)) {
          void api.logout();
        } else {
          setStatus(api.isSignedIn() ? "signedIn" : "signedOut");
        }
      });
    return () => {
      cancelled = true;
    };
  }, []);

  // Live connection and a token refreshed before it expires, while signed in.
  useEffect(() => {
    if (status !== "signedIn") return;
    realtime.start();
    const timer = setInterval(() => {
      const left = api.secondsLeft();
      // Refresh ahead of expiry, so the live connection and uploads never meet an expired token.
      if (left !== null && left < refreshMargin(api.getTokens()?.access_token) + 15) void api.refresh();
    }, 10_000);
    return () => clearInterval(timer);
  }, [status]);

  const login = useCallback(async (email: string, password: string) => {
    await api.login(email, password);
    const me = await api.me();
    cacheUser(me);
    setUser(me);
    setStatus("signedIn");
  }, []);

  const register = useCallback(
    async (body: { email: string; password: string; first_name?: string; last_name?: string }) => {
      await api.register(body);
      await login(body.email, body.password);
    },
    [login],
  );

  const logout = useCallback(() => {
    realtime.stop();
    clearApiCache();
    // Forgets the access token at once (the listener above signs out; other tabs follow through `storage`),
    // then ends the session and its cookie on the server; it never rejects.
    void api.logout();
  }, []);

  const value = useMemo(() => ({ status, user, login, register, logout }), [status, user, login, register, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}
