// Renders a describeHealth() result. Used by the server page and the client check.
export default function HealthView({ view, testId, title }) {
  const color = view.status === "ok" ? "#137333" : "#b3261e";
  return (
    <section data-testid={testId} data-status={view.status} style={{ marginBottom: "1.5rem" }}>
      <h2 style={{ fontSize: "1.1rem", marginBottom: "0.25rem" }}>{title}</h2>
      <p style={{ margin: 0, color }}>{view.summary}</p>
      {/* One text node (no React separator comment) so "status: ok" is greppable. */}
      <p style={{ margin: 0 }}>{`status: ${view.status}`}</p>
      {view.lines.length > 0 && (
        <ul style={{ marginTop: "0.25rem" }}>
          {view.lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
