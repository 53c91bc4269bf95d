import { describeHealth, fetchHealth } from "../lib/health.js";
import BrowserHealth from "./browser-health.js";
import HealthView from "./health-view.js";

// Rendered on every request: the health shown is the API's health right now.
export const dynamic = "force-dynamic";

export default async function Page() {
  // Server-side URL of the API. Inside compose the browser's localhost:8000 does
  // not reach the API from the web container; the service name does.
  const apiInternalUrl = process.env.API_INTERNAL_URL || "http://api:8000";
  const view = describeHealth(await fetchHealth(apiInternalUrl));

  return (
    <main>
      <h1 style={{ fontSize: "1.5rem" }}>Dev stack</h1>
      <HealthView view={view} testId="api-health" title={`From the web server (${apiInternalUrl})`} />
      <BrowserHealth />
    </main>
  );
}
