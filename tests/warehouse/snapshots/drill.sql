SELECT timestamp, user_id, string_props, numeric_props
FROM events FINAL
WHERE org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}
  AND event_name = {e0:String}
  AND timestamp >= {t1:DateTime64(3, 'UTC')}
  AND timestamp < {t2:DateTime64(3, 'UTC')}
  AND string_props[{k3:String}] = {v4:String}
ORDER BY timestamp DESC LIMIT {n5:UInt32}
SETTINGS max_execution_time = 10, max_rows_to_read = 500000000, readonly = 2
-- e0 = 'api.call'
-- k3 = 'model'
-- n5 = 50
-- scope_org_id = 'org_1'
-- scope_tenant_id = 't_1'
-- t1 = datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- t2 = datetime.datetime(2026, 4, 8, 0, 0, tzinfo=datetime.timezone.utc)
-- v4 = 'gpt-4'
