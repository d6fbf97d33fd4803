import { Link } from "react-router-dom";
import { PageTitle } from "./ui";

export default function NotFoundPage({ what = "page" }: { what?: string }) {
  return (
    <section className="card empty" data-testid="not-found">
      <PageTitle title="Not found">{what === "scan" ? "Scan not found" : "Page not found"}</PageTitle>
      <p className="muted">
        {what === "scan"
          ? "This scan does not exist, was deleted, or belongs to another account."
          : "There is nothing at this address."}
      </p>
      <Link className="btn btn-primary" to="/">
        Go to your scans
      </Link>
    </section>
  );
}
