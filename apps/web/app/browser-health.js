"use client";

import { useEffect, useState } from "react";
import { describeHealth, fetchHealth } from "../lib/health.js";
import HealthView from "./health-view.js";

// Inlined at build/dev-server start: the API's URL as the *browser* sees it.
const API_BASE_URL = process.env.NEXT_PUBLIC_API_BASE_URL || "http://localhost:8000";

export default function BrowserHealth() {
  const [view, setView] = useState({
    status: "pending",
    summary: `checking ${API_BASE_URL}/health from the browser...`,
    lines: [],
  });

  useEffect(() => {
    let cancelled = false;
    fetchHealth(API_BASE_URL).then((result) => {
      if (!cancelled) setView(describeHealth(result));
    });
    return () => {
      cancelled = true;
    };
  }, []);

  return <HealthView view={view} testId="api-health-browser" title={`From the browser (${API_BASE_URL})`} />;
}
