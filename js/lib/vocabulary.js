// The engine's vocabulary, sent by Python as the `_vocabulary` state (mlmon_widgets.engine.
// vocabulary()): severities, their labels and colours, statuses, sides, limit names and the
// metric catalogues. Front ends read every such word here and write none of them out.

/** The vocabulary of `model`, with small helpers. */
export function vocabularyOf(model) {
  const words = model.get("_vocabulary") || {};
  return {
    ...words,
    /** Severity name of a code (its position in `severities`). */
    severity(code) {
      return words.severities?.[code];
    },
    /** Label people read for a severity code (or name). */
    severityLabel(codeOrName) {
      const name = typeof codeOrName === "number" ? words.severities?.[codeOrName] : codeOrName;
      return words.severity_labels?.[name] ?? name ?? "no data";
    },
    /** Colour of a severity code (or name). */
    severityColour(codeOrName) {
      const name = typeof codeOrName === "number" ? words.severities?.[codeOrName] : codeOrName;
      return words.severity_colours?.[name];
    },
    /** Position of an alert level (0 for warning, 1 for critical), -1 for others. */
    alertLevel(name) {
      return (words.alert_levels || []).indexOf(name);
    },
    /** Label of a drift metric, a table column or -log10 p. */
    metricLabel(name) {
      if (name === words.neglog10p?.name) return words.neglog10p.label;
      const metric = words.drift_metrics?.[name] || words.performance_metrics?.[name];
      return metric?.label ?? name;
    },
  };
}

/** Severity colours as CSS variables (--mlmon-sev-<code>) on `root`, for the stylesheet. */
export function installSeverityColours(root, words) {
  (words.severities || []).forEach((name, code) => {
    root.style.setProperty(`--mlmon-sev-${code}`, words.severity_colours[name]);
  });
}
