// Colours: the series palette after the theme's primary colour, and the theme's CSS variables
// (styles.css) read where the widget is drawn, so light/dark and setTheme need no redraw logic.

export const DEFAULT_PRIMARY = "#2563eb";
// Candidates after the primary, ordered so that neighbours differ in hue and lightness. The
// ones too close to the primary move to the end (a green theme's series two or three is never
// another green), so a palette has the primary and ten colours, the first ones unlike it.
const SERIES_COLORS = ["#f59e0b", "#2563eb", "#ef4444", "#10b981", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16", "#f97316", "#64748b", "#a16207", "#0f766e", "#be123c"];
const PALETTE_SIZE = 11;

/** The series colours: the theme's primary first, then ten that differ from it. */
export function palette(primaryColor) {
  const primary = /^#[0-9a-f]{6}$/i.test(primaryColor || "") ? primaryColor : DEFAULT_PRIMARY;
  const first = hsl(primary);
  const near = (c) => similar(hsl(c), first);
  // The ones close to the primary only as a last resort, after every other one.
  const rest = [...SERIES_COLORS.filter((c) => !near(c)), ...SERIES_COLORS.filter(near)];
  return [primary, ...rest].slice(0, PALETTE_SIZE);
}

/** Two colours a viewer could mistake for each other: close hue (both saturated) or both grey,
 * at a close lightness. */
export function similar(a, b) {
  const light = Math.abs(a.l - b.l) < 0.22;
  if (a.s < 0.25 || b.s < 0.25) return a.s < 0.25 && b.s < 0.25 && light;
  const hue = Math.min(Math.abs(a.h - b.h), 360 - Math.abs(a.h - b.h));
  return hue < 30 && light;
}

function hsl(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  const d = max - min;
  if (!d) return { h: 0, s: 0, l };
  const s = d / (1 - Math.abs(2 * l - 1));
  let h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  h = (h * 60 + 360) % 360;
  return { h, s, l };
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
