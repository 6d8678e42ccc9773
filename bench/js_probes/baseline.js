// A host page with React alone: the baseline the React packages' bytes are measured against.
import { createElement } from "react";
import { createRoot } from "react-dom/client";

createRoot(document.body).render(createElement("p", null, "host"));
