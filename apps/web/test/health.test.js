import assert from "node:assert/strict";
import { test } from "node:test";

import { describeHealth, errorReason, fetchHealth } from "../lib/health.js";

const OK_BODY = { status: "ok", checks: { postgres: { ok: true }, redis: { ok: true } } };
const PG_FAIL_BODY = {
  status: "fail",
  checks: {
    postgres: { ok: false, error: "OperationalError: connection refused" },
    redis: { ok: true },
  },
};

function fakeResponse(status, bodyText) {
  return {
    status,
    json: async () => JSON.parse(bodyText),
  };
}

test("ok body", () => {
  const view = describeHealth({ httpStatus: 200, body: OK_BODY });
  assert.equal(view.status, "ok");
  assert.equal(view.summary, "API health: ok");
  assert.deepEqual(view.lines, ["postgres: ok", "redis: ok"]);
});

test("failing postgres", () => {
  const view = describeHealth({ httpStatus: 503, body: PG_FAIL_BODY });
  assert.equal(view.status, "fail");
  assert.equal(view.summary, "API health: fail (HTTP 503)");
  assert.deepEqual(view.lines, ["postgres: fail (OperationalError: connection refused)", "redis: ok"]);
});

test("status ok but a check not ok is still a failure", () => {
  const body = { status: "ok", checks: { postgres: { ok: true }, redis: { ok: false } } };
  assert.equal(describeHealth({ httpStatus: 200, body }).status, "fail");
});

test("unreachable API", () => {
  const view = describeHealth({ error: "ECONNREFUSED 127.0.0.1:8000" });
  assert.equal(view.status, "unreachable");
  assert.equal(view.summary, "API unreachable: ECONNREFUSED 127.0.0.1:8000");
  assert.deepEqual(view.lines, []);
});

test("malformed bodies", () => {
  for (const body of [null, "ok", [], {}, { status: "ok" }, { status: "ok", checks: [] }, { checks: {} }]) {
    const view = describeHealth({ httpStatus: 200, body });
    assert.equal(view.status, "invalid", JSON.stringify(body));
    assert.match(view.summary, /^API health: invalid response \(HTTP 200\)/);
  }
  assert.equal(describeHealth(undefined).status, "invalid");
  const notJson = describeHealth({ httpStatus: 502, error: "response is not JSON (Unexpected token)" });
  assert.equal(notJson.status, "invalid");
  assert.match(notJson.summary, /HTTP 502/);
});

test("fetchHealth: JSON answer of any status, trailing slash trimmed", async () => {
  let calledUrl;
  const result = await fetchHealth("http://api:8000/", {
    fetchImpl: async (url) => {
      calledUrl = url;
      return fakeResponse(503, JSON.stringify(PG_FAIL_BODY));
    },
  });
  assert.equal(calledUrl, "http://api:8000/health");
  assert.deepEqual(result, { httpStatus: 503, body: PG_FAIL_BODY });
});

test("fetchHealth: non-JSON answer", async () => {
  const result = await fetchHealth("http://api:8000", {
    fetchImpl: async () => fakeResponse(502, "<html>Bad gateway</html>"),
  });
  assert.equal(result.httpStatus, 502);
  assert.match(result.error, /^response is not JSON/);
  assert.equal(describeHealth(result).status, "invalid");
});

test("fetchHealth: network error never throws", async () => {
  const err = new TypeError("fetch failed");
  err.cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
    code: "ECONNREFUSED",
    address: "127.0.0.1",
    port: 9,
  });
  const result = await fetchHealth("http://127.0.0.1:9", {
    fetchImpl: async () => {
      throw err;
    },
  });
  assert.deepEqual(result, { error: "ECONNREFUSED 127.0.0.1:9" });
  assert.equal(describeHealth(result).summary, "API unreachable: ECONNREFUSED 127.0.0.1:9");
});

test("fetchHealth: timeout", async () => {
  // AbortSignal.timeout's timer is unref'd: a real socket keeps the loop alive,
  // this fake fetch does not, so hold the loop open with a timer of our own.
  const keepAlive = setTimeout(() => {}, 5000);
  try {
    const result = await fetchHealth("http://api:8000", {
      timeoutMs: 50,
      fetchImpl: (url, { signal }) =>
        new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
    });
    assert.deepEqual(result, { error: "timed out after 50 ms" });
  } finally {
    clearTimeout(keepAlive);
  }
});

test("fetchHealth: real fetch to a closed local port", async () => {
  const result = await fetchHealth("http://127.0.0.1:1", { timeoutMs: 2000 });
  assert.ok(result.error, JSON.stringify(result));
  assert.equal(describeHealth(result).status, "unreachable");
});

test("errorReason: DNS failure names code and host", () => {
  const err = new TypeError("fetch failed");
  err.cause = Object.assign(new Error("getaddrinfo ENOTFOUND api"), { code: "ENOTFOUND", hostname: "api" });
  assert.equal(errorReason(err), "ENOTFOUND api");
});
