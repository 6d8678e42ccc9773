// A host page using the iframe wrapper.
import { createElement as h } from "react";
import { createRoot } from "react-dom/client";
import { SightlineEmbedFrame } from "@sightline/embed/react";

createRoot(document.body).render(h(SightlineEmbedFrame, { embedUrl: "http://x/embed/d?token=t" }));
