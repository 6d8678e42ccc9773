// Types of @sightline/node.

export type Period = "24h" | "7d" | "30d" | "90d" | "custom";

export interface SightlineOptions {
  /** The server, e.g. "https://analytics.example.com". */
  host: string;
  /** An admin key (sessions, dashboards, alerts, organization) or an ingest key (events). */
  apiKey: string;
  timeoutMs?: number;
  maxRetries?: number;
  retryBaseMs?: number;
  maxRetryDelayMs?: number;
  fetch?: typeof fetch;
}

/** At least one bound; on a numeric property (numeric_props). */
export interface LockedRange {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

/** A value (=), a non-empty list of values (any of them) or a numeric range. */
export type LockedValue = string | string[] | LockedRange;

export interface EmbedPermissions {
  lockedFilters?: Record<string, LockedValue>;
  hiddenWidgets?: string[];
  allowedPeriods?: Period[];
  allowDrillDown?: boolean;
  maxDateRangeDays?: number | null;
  /** "designer": an edit mode in the embed that saves a variant. Default "viewer". */
  role?: "viewer" | "designer";
  /** A designer's variant: per session `user` (default; needs `user`) or the whole tenant's. */
  variantScope?: "user" | "tenant";
  /** The events a designer may chart; default those the dashboard's widgets read. Non-empty. */
  allowedEvents?: string[];
  /** The viewer may subscribe to digests and set threshold alerts from the embed. */
  allowSubscriptions?: boolean;
}

export interface EmbedTheme {
  primaryColor?: string;
  fontFamily?: string;
  mode?: "light" | "dark";
}

export interface CreateEmbedSessionOptions {
  tenantId: string;
  /** The dashboard the page opens; required unless dashboardIds is given (then the first). */
  dashboardId?: string;
  /** Every dashboard the session may open (at most 20), dashboardId among them. */
  dashboardIds?: string[];
  /** Seconds, default 3600. */
  expiresIn?: number;
  /** Seconds without a request from any of the session's pages that end it (120 … expiresIn). */
  inactivityTimeout?: number | null;
  permissions?: EmbedPermissions;
  timezone?: string | null;
  theme?: EmbedTheme;
  user?: string;
  allowExport?: boolean;
  /** BCP 47, e.g. "fr-FR": numbers and dates as that locale writes them. */
  locale?: string | null;
  /** Embed one widget of the dashboard, sized to it. */
  widgetId?: string | null;
  /** embedUrl carries a short single-use code instead of the token. */
  singleUseUrl?: boolean;
}

export interface EmbedSessionInfo {
  id: string;
  tenantId: string;
  dashboardId: string;
  user: string;
  widgetId: string | null;
  dashboardIds: string[];
  role: "viewer" | "designer";
  inactivityTimeout: number | null;
  issuedAt: string;
  expiresAt: string | null;
  status: "active" | "expired" | "revoked" | string;
}

/** A customer's own view of a dashboard (GET /v1/variants), saved by an embed designer session. */
export interface Variant {
  id: string;
  dashboardId: string;
  dashboardName: string;
  tenantId: string;
  scope: "user" | "tenant";
  /** "" for a tenant's shared variant. */
  user: string;
  /** The variant's own widgets, in the spec's widget form (docs/spec.md). */
  widgets: Json[];
  /** [{id, x, y, w, h}] in reading order. */
  layout: Array<{ id: string; x: number; y: number; w: number; h: number }>;
  hidden: string[];
  baseVersion: number;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface EmbedSession {
  token: string;
  embedUrl: string;
  /** ISO 8601. */
  expiresAt: string;
  sessionId: string;
  /** The dashboards it opens, the default first. */
  dashboardIds: string[];
}

export interface SightlineEvent {
  tenantId: string;
  eventName: string;
  /** Fixed to the call's time when absent, before the first try. */
  timestamp?: Date | string | number;
  userId?: string;
  /** Random when absent, fixed before the first try. */
  insertId?: string;
  stringProps?: Record<string, string>;
  numericProps?: Record<string, number>;
}

export interface SendEventsResult {
  accepted: number;
  batches: number;
}

export interface DataQuery {
  tenantId: string;
  period?: Period;
  from?: Date | string;
  to?: Date | string;
  tz?: string;
  filters?: Record<string, string>;
  version?: "draft" | "published";
}

export interface OrganizationSettings {
  id: string;
  name: string;
  allowedEmbedOrigins: string[];
  defaultTimezone: string;
  retentionDays: number;
}

type Json = any;

export declare class Sightline {
  constructor(options: SightlineOptions);
  createEmbedSession(options: CreateEmbedSessionOptions): Promise<EmbedSession>;
  revokeEmbedSession(sessionId: string): Promise<Json>;
  listEmbedSessions(options?: { tenantId?: string; active?: boolean; limit?: number; offset?: number }): Promise<{ count: number; next: string | null; previous: string | null; results: EmbedSessionInfo[] }>;
  deleteEmbedSession(sessionId: string): Promise<null>;
  revokeTenantSessions(tenantId: string): Promise<Json>;
  listVariants(options?: { dashboardId?: string; tenantId?: string; user?: string; limit?: number; offset?: number }): Promise<{ count: number; next: string | null; previous: string | null; results: Variant[] }>;
  deleteVariant(variantId: string): Promise<null>;
  revokeAllSessions(): Promise<Json>;
  /** Gzip batches of at most 1,000 (one the server finds too large is sent again in halves),
   * retried on 429/5xx/broken connections; insertId and timestamp fixed before the first try. */
  sendEvents(events: Iterable<SightlineEvent> | AsyncIterable<SightlineEvent>, options?: { batchSize?: number }): Promise<SendEventsResult>;
  dashboards: {
    list(options?: { page?: number }): Promise<Json>;
    get(id: string): Promise<Json>;
    create(spec: object): Promise<Json>;
    update(id: string, changes: object): Promise<Json>;
    delete(id: string): Promise<null>;
    publish(id: string): Promise<Json>;
    unpublish(id: string): Promise<Json>;
    versions(id: string): Promise<Json>;
    data(id: string, query: DataQuery): Promise<{ period: Json; widgets: Array<{ id: string; kind: string; data: Json; error?: Json }> }>;
  };
  discovery: {
    discover(options?: { tenantId?: string }): Promise<Json>;
    autoCreate(options?: object): Promise<Json>;
  };
  usage: {
    /** GET /v1/usage: the organization's embed usage (views, distinct viewers, p50/p95 load time, data requests, errors, exports). */
    get(options?: { period?: "24h" | "7d" | "30d" | "90d"; tenantId?: string; dashboardId?: string }): Promise<Json>;
  };
  alerts: {
    list(options?: { page?: number }): Promise<Json>;
    create(rule: object): Promise<Json>;
    get(id: string): Promise<Json>;
    update(id: string, changes: object): Promise<Json>;
    delete(id: string): Promise<null>;
    test(id: string): Promise<Json>;
    history(id: string): Promise<Json>;
    deliveries(id: string): Promise<Json>;
  };
  /** Viewers' digests and alerts (created from the embed with `allowSubscriptions`). */
  subscriptions: {
    list(options?: {
      page?: number;
      kind?: "digest" | "alert";
      status?: "pending" | "active" | "paused" | "unsubscribed";
      tenantId?: string;
      dashboardId?: string;
      email?: string;
    }): Promise<{ count: number; next: string | null; previous: string | null; results: Subscription[] }>;
    get(id: string): Promise<Subscription>;
    pause(id: string): Promise<Subscription>;
    resume(id: string): Promise<Subscription>;
    delete(id: string): Promise<null>;
  };
  organization: {
    get(): Promise<OrganizationSettings>;
    update(changes: Partial<Omit<OrganizationSettings, "id">>): Promise<OrganizationSettings>;
  };
}

export interface Subscription {
  id: string;
  kind: "digest" | "alert";
  dashboard_id: string;
  tenant_id: string;
  email: string;
  frequency: "daily" | "weekly" | null;
  widget_id: string | null;
  operator: "gt" | "gte" | "lt" | "lte" | "eq" | null;
  threshold: number | null;
  window: string | null;
  status: "pending" | "active" | "paused" | "unsubscribed";
  skipped_reason: string;
  viewer_user: string;
  created_at: string;
  confirmed_at: string | null;
  last_sent_at: string | null;
}

export declare class SightlineError extends Error {
  code: string;
  status: number;
  details: Array<{ field?: string | null; message: string; [key: string]: unknown }>;
}
export declare class SightlineArgumentError extends SightlineError {
  field: string;
}
export declare class SightlineConnectionError extends SightlineError {}
export declare class SightlineApiError extends SightlineError {}
export declare class SightlineInvalidRequestError extends SightlineApiError {}
export declare class SightlineAuthenticationError extends SightlineApiError {}
export declare class SightlinePermissionError extends SightlineApiError {}
export declare class SightlineNotFoundError extends SightlineApiError {}
export declare class SightlineConflictError extends SightlineApiError {}
export declare class SightlineRateLimitError extends SightlineApiError {
  retryAfter?: number;
}
export declare class SightlineServerError extends SightlineApiError {}
export declare const VERSION: string;
export default Sightline;
