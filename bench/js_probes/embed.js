// A host page using the helper alone, no React.
import { create } from "@sightline/embed";

create({ container: document.body, embedUrl: "http://x/embed/d?token=t" });
