import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import App from "./App";
import QueryProvider, { ClearCacheOnSignOut } from "./app/QueryProvider";
import { AuthProvider } from "./lib/auth";
import { registerServiceWorker } from "./lib/sw-register";
import { watchOutbox } from "./lib/uploadQueue";
import "./styles.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <BrowserRouter>
      <AuthProvider>
        <QueryProvider>
          <ClearCacheOnSignOut />
          <App />
        </QueryProvider>
      </AuthProvider>
    </BrowserRouter>
  </StrictMode>,
);

registerServiceWorker();
watchOutbox(); // photos kept offline are sent by the open app (no token is kept with them)
