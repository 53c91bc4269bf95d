// Pure logic behind the API-health display: fetch /health with a timeout, and
// turn its JSON (or the error) into display lines. ES module, no Next imports,
// so the same file runs in Next (server and browser) and under `node --test`.

export const DEFAULT_TIMEOUT_MS = 3000;

/** Short, single-line reason for a failed fetch (never a stack trace). */
export function errorReason(err, timeoutMs = DEFAULT_TIMEOUT_MS) {
  if (!err) return "unknown error";
  if (err.name === "TimeoutError" || err.name === "AbortError") {
    return `timed out after ${timeoutMs} ms`;
  }
  // Node's fetch throws TypeError("fetch failed") with the real cause attached.
  const cause = err.cause;
  if (cause) {
    if (cause.code && cause.hostname) return `${cause.code} ${cause.hostname}`;
    if (cause.code && cause.address) {
      return `${cause.code} ${cause.address}${cause.port ? `:${cause.port}` : ""}`;
    }
    if (cause.code) return String(cause.code);
    if (cause.message) return oneLine(cause.message);
  }
  return oneLine(err.message || String(err));
}

function oneLine(text) {
  const s = String(text).replace(/\s+/g, " ").trim();
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

/**
 * GET `${baseUrl}/health`. Never throws: resolves to
 *   { httpStatus, body }   when the API answered with JSON (any status),
 *   { httpStatus, error }  when it answered with something that is not JSON,
 *   { error }              when it could not be reached (or timed out).
 */
export async function fetchHealth(baseUrl, { timeoutMs = DEFAULT_TIMEOUT_MS, fetchImpl } = {}) {
  const doFetch = fetchImpl || globalThis.fetch;
  const url = `${String(baseUrl || "").replace(/\/+$/, "")}/health`;
  let response;
  try {
    response = await doFetch(url, {
      cache: "no-store",
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { error: errorReason(err, timeoutMs) };
  }
  try {
    const body = await response.json();
    return { httpStatus: response.status, body };
  } catch (err) {
    return { httpStatus: response.status, error: `response is not JSON (${errorReason(err, timeoutMs)})` };
  }
}

/**
 * Display model for a fetchHealth() result:
 *   { status: "ok" | "fail" | "unreachable" | "invalid", summary, lines: [...] }
 */
export function describeHealth(result) {
  if (!result || typeof result !== "object") {
    return { status: "invalid", summary: "API health: invalid response (no result)", lines: [] };
  }
  if (result.error && result.httpStatus === undefined) {
    return { status: "unreachable", summary: `API unreachable: ${result.error}`, lines: [] };
  }
  const http = result.httpStatus !== undefined ? ` (HTTP ${result.httpStatus})` : "";
  if (result.error) {
    return { status: "invalid", summary: `API health: invalid response${http}: ${result.error}`, lines: [] };
  }
  const body = result.body;
  if (
    !body ||
    typeof body !== "object" ||
    typeof body.status !== "string" ||
    !body.checks ||
    typeof body.checks !== "object" ||
    Array.isArray(body.checks)
  ) {
    return {
      status: "invalid",
      summary: `API health: invalid response${http}: missing "status" or "checks"`,
      lines: [],
    };
  }
  const lines = Object.entries(body.checks).map(([name, check]) => {
    if (check && check.ok === true) return `${name}: ok`;
    const reason = check && check.error ? ` (${oneLine(check.error)})` : "";
    return `${name}: fail${reason}`;
  });
  const allOk = Object.values(body.checks).every((c) => c && c.ok === true);
  const status = body.status === "ok" && allOk ? "ok" : "fail";
  const suffix = status === "ok" ? "" : http;
  return { status, summary: `API health: ${status}${suffix}`, lines };
}
