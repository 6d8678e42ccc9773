// @sightline/react: Sightline dashboards as native React components (no iframe).
export { SightlineProvider, useSightline } from "./provider.js";
export { SightlineDashboard } from "./dashboard.js";
export { SightlineWidget } from "./widget.js";
export { useSightlineData } from "./hooks.js";
export { formatNumber } from "@sightline/charts";
