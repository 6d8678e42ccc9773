// A host page using everything @sightline/react offers.
import { createElement as h } from "react";
import { createRoot } from "react-dom/client";
import { SightlineDashboard, SightlineProvider, SightlineWidget, useSightlineData } from "@sightline/react";
import "@sightline/react/styles.css";

window.hook = useSightlineData;
createRoot(document.body).render(
  h(SightlineProvider, { host: "http://x", token: "t", dashboardId: "d" }, h(SightlineDashboard), h(SightlineWidget, { widgetId: "w" })),
);
