// Colours: the series palette after the theme's primary colour, and the theme's CSS variables
// (styles.css) read where the widget is drawn, so light/dark and setTheme need no redraw logic.

export const DEFAULT_PRIMARY = "#2563eb";
// Ten more, far apart in hue and lightness, so neighbouring series never share a colour.
const SERIES_COLORS = ["#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16", "#f97316", "#64748b", "#a16207"];

export function palette(primaryColor) {
  return [primaryColor || DEFAULT_PRIMARY, ...SERIES_COLORS];
}

/** The colours of each mode (styles.css's defaults): what is drawn where no CSS applies (the
 * server-side renderer, e-mails) and the fallback where a variable is missing. */
export const MODE_COLORS = {
  light: { bg: "#f6f7f9", card: "#ffffff", text: "#111827", muted: "#6b7280", border: "#e5e7eb", up: "#059669", down: "#dc2626" },
  dark: { bg: "#0f1115", card: "#181b22", text: "#e5e7eb", muted: "#9ca3af", border: "#2a2f3a", up: "#34d399", down: "#f87171" },
};

/** {text, muted, border} from the --sl-* variables in effect at `node`. */
export function themeColors(node, mode) {
  const style = getComputedStyle(node);
  const fallback = MODE_COLORS[mode === "dark" ? "dark" : "light"];
  const read = (name, key) => style.getPropertyValue(name).trim() || fallback[key];
  return { text: read("--sl-text", "text"), muted: read("--sl-muted", "muted"), border: read("--sl-border", "border") };
}
