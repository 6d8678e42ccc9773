"""`POST /v1/events`: accepting batches of events, all or nothing, and making them durable.

  views.EventsView      thin: auth (ingest or admin key), rate limit, body, 202 {"accepted": N}
  request_body          JSON only (415), gzip accepted, size guarded compressed and not (413)
  validation / typed    the rules (rules.py): a typed msgspec decode for the common valid batch,
                        a rule-by-rule check listing every bad event and field otherwise (400)
  buffer                durable before 202: insert now (INGEST_BUFFER="direct", the embedded
                        default) or one Redis stream entry (INGEST_BUFFER="redis"); else 503
  drain / tasks         the stream writer: consumer group, reclaim, backoff, dead letters;
                        the periodic Celery task and `manage.py ingest_drain` run it

Idempotency: an event's insert_id (random if not sent) is fixed at accept time; the events table
is a ReplacingMergeTree whose sort key ends with it and reads use FINAL, so a re-sent event (same
tenant, name, timestamp and insert_id) or a re-inserted stream entry is counted once.
"""
