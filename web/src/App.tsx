import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import type { ReactNode } from "react";
import { lazy, Suspense } from "react";
import Layout from "./components/Layout";
import { useAuth } from "./lib/auth";
import HistoryPage from "./features/scans/HistoryPage";
import LoginPage from "./features/account/LoginPage";
import NewScanPage from "./features/capture/NewScanPage";
import NotFoundPage from "./components/NotFoundPage";
import RegisterPage from "./features/account/RegisterPage";
import ScanPage from "./features/scans/ScanPage";
import SharedReportPage from "./features/review/SharedReportPage";
import ForgotPasswordPage from "./features/account/ForgotPasswordPage";
import ResetPasswordPage from "./features/account/ResetPasswordPage";
import SettingsPage from "./features/account/SettingsPage";
import { Spinner } from "./components/ui";
import ChangesPage from "./features/decision/ChangesPage";
import ComparePage from "./features/decision/ComparePage";
import SharedRepairListPage from "./features/decision/SharedRepairListPage";

// The operators' page and its chart library load only when an admin opens it.
const AdminPage = lazy(() => import("./features/admin/AdminPage"));

function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "loading") return <Spinner label="Signing you in…" />;
  if (status === "signedOut") {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}

/** Operators' pages: admins only (the API refuses everyone else too); to others they do not exist. */
function RequireAdmin({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  if (user?.role !== "admin") return <NotFoundPage />;
  return <Suspense fallback={<Spinner label="Loading…" />}>{children}</Suspense>;
}

function GuestOnly({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "signedIn") {
    const next = new URLSearchParams(location.search).get("next");
    return <Navigate to={next && next.startsWith("/") && !next.startsWith("//") ? next : "/"} replace />;
  }
  return <>{children}</>;
}

export default function App() {
  return (
    <Layout>
      <Routes>
        <Route path="/login" element={<GuestOnly><LoginPage /></GuestOnly>} />
        <Route path="/register" element={<GuestOnly><RegisterPage /></GuestOnly>} />
        <Route path="/forgot-password" element={<GuestOnly><ForgotPasswordPage /></GuestOnly>} />
        <Route path="/reset-password" element={<ResetPasswordPage />} />
        <Route path="/shared/:token" element={<SharedReportPage />} />
        <Route path="/shared/repair-lists/:token" element={<SharedRepairListPage />} />
        <Route path="/" element={<RequireAuth><HistoryPage /></RequireAuth>} />
        <Route path="/scans/new" element={<RequireAuth><NewScanPage /></RequireAuth>} />
        <Route path="/scans/:scanId" element={<RequireAuth><ScanPage /></RequireAuth>} />
        <Route path="/scans/:scanId/changes" element={<RequireAuth><ChangesPage /></RequireAuth>} />
        <Route path="/compare" element={<RequireAuth><ComparePage /></RequireAuth>} />
        <Route path="/settings" element={<RequireAuth><SettingsPage /></RequireAuth>} />
        <Route path="/admin" element={<RequireAuth><RequireAdmin><AdminPage /></RequireAdmin></RequireAuth>} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </Layout>
  );
}
