// The server's chart renderer (subscriptions/charts.py drives it): a long-lived Node process that
// reads one JSON request a line on stdin and answers one JSON line on stdout, in order.
//   request:  {"id": 7, "jobs": [{"widget", "data", "theme", "locale", "timezone", "scale"}]}
//   answer:   {"id": 7, "colors": {light, dark}, "states": {empty, error, ...}, "cards": [card, ...]}
// A card is @sightline/charts' widgetCard (server.js): texts for KPIs, lists, tables and funnels,
// and for charts a PNG (base64) rasterized from ECharts' SVG by resvg at `scale` (2: sharp on
// high-density screens); a sparkline KPI's line is a PNG too (`kpi.sparkline.png`). A job {"time", "timezone", "locale"} answers {"text"}: the instant as
// the cards format times. A job that fails answers {"error": "..."} in its place.
import { createInterface } from "node:readline";
import { existsSync } from "node:fs";
import { Resvg } from "@resvg/resvg-js";
import { MODE_COLORS, STATE_TEXT, formatTime, setLocale, widgetCard } from "../clients/js/charts/src/server.js";

// resvg reads its fonts for every image: a few named files cost a third of a scan of the
// system's fonts. DejaVu (Debian's fonts-dejavu-core) when present, else whatever is installed.
const DEJAVU = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu"]
  .flatMap((dir) => ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((name) => `${dir}/${name}`))
  .filter((path) => existsSync(path));
const FONT = DEJAVU.length
  ? { loadSystemFonts: false, fontFiles: DEJAVU, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" }
  : { loadSystemFonts: true };

function render(job) {
  if (job.time !== undefined) {
    setLocale(job.locale || undefined);
    return { text: formatTime(job.time, job.timezone || "UTC") };
  }
  // Time axes label buckets in the process's time zone: the digest's own.
  process.env.TZ = job.timezone || "UTC";
  const card = widgetCard(job.widget, job.data, { theme: job.theme || {}, locale: job.locale || undefined });
  const scale = job.scale || 2;
  if (card.svg) rasterize(card, scale);
  if (card.kpi && card.kpi.sparkline) rasterize(card.kpi.sparkline, scale); // a KPI's sparkline
  return card;
}

/** `image.svg` (of `image.width` CSS pixels) -> `image.png`, base64, `scale` pixels a pixel. */
function rasterize(image, scale) {
  const resvg = new Resvg(image.svg, { fitTo: { mode: "width", value: Math.round(image.width * scale) }, font: FONT });
  image.png = resvg.render().asPng().toString("base64");
  delete image.svg;
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    process.stdout.write(JSON.stringify({ id: null, error: `not JSON: ${error.message}` }) + "\n");
    return;
  }
  const cards = (request.jobs || []).map((job) => {
    try {
      return render(job);
    } catch (error) {
      return { error: String((error && error.message) || error) };
    }
  });
  process.stdout.write(JSON.stringify({ id: request.id, colors: MODE_COLORS, states: STATE_TEXT, cards }) + "\n");
});
lines.on("close", () => process.exit(0));
