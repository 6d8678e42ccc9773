SELECT tenant_id, quantileExactIf(0.95)(numeric_props[{k5:String}], mapContains(numeric_props, {k5:String})) AS value
FROM events FINAL
WHERE org_id = {scope_org_id:String}
  AND event_name = {e0:String}
  AND timestamp >= {t1:DateTime64(3, 'UTC')}
  AND timestamp < {t2:DateTime64(3, 'UTC')}
  AND string_props[{k3:String}] = {v4:String}
GROUP BY tenant_id ORDER BY tenant_id
SETTINGS max_execution_time = 10, max_rows_to_read = 500000000, readonly = 2
-- e0 = 'api.call'
-- k3 = 'status'
-- k5 = 'latency_ms'
-- scope_org_id = 'org_1'
-- t1 = datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- t2 = datetime.datetime(2026, 4, 8, 0, 0, tzinfo=datetime.timezone.utc)
-- v4 = 'ok'
