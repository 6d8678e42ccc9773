import type { CSSProperties, ReactElement } from "react";
import type { DrillPayload, EmbedError, EmbedTheme } from "./index.js";

export interface SightlineEmbedFrameProps {
  embedUrl?: string;
  fetchEmbedUrl?: () => Promise<string>;
  onReady?: (payload: { dashboard: string }) => void;
  onDrill?: (payload: DrillPayload) => void;
  onFilter?: (payload: { filters: Record<string, string> }) => void;
  onError?: (error: EmbedError) => void;
  onResize?: (payload: { height: number }) => void;
  onSession?: (payload: { expires_at: number }) => void;
  /** The session's inactivity_timeout passed (the helper's "inactive" event). */
  onInactive?: (error: EmbedError) => void;
  filters?: Record<string, string>;
  /** One of the session's dashboard_ids: a change opens that dashboard in the same frame. */
  dashboardId?: string;
  theme?: EmbedTheme;
  containerStyle?: CSSProperties;
  className?: string;
  title?: string;
  handshakeTimeout?: number;
  refreshBefore?: number;
}
export function SightlineEmbedFrame(props: SightlineEmbedFrameProps): ReactElement;
export default SightlineEmbedFrame;
