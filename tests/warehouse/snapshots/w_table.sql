SELECT
  string_props[{k7:String}] AS d0,
  string_props[{k8:String}] AS d1,
  count() AS m0,
  avgIf(numeric_props[{k9:String}], mapContains(numeric_props, {k9:String})) AS m1,
  uniqExactIf(string_props[{k10:String}], mapContains(string_props, {k10:String})) AS m2
FROM events FINAL
WHERE org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}
  AND event_name = {e0:String}
  AND timestamp >= {t1:DateTime64(3, 'UTC')}
  AND timestamp < {t2:DateTime64(3, 'UTC')}
  AND string_props[{k3:String}] = {v4:String}
  AND string_props[{k5:String}] = {v6:String}
GROUP BY d0, d1 ORDER BY m1 ASC NULLS LAST, d0 ASC, d1 ASC LIMIT {n11:UInt32}
SETTINGS max_execution_time = 10, max_rows_to_read = 500000000, readonly = 2
-- e0 = 'api.call'
-- k10 = 'session'
-- k3 = 'plan'
-- k5 = 'region'
-- k7 = 'model'
-- k8 = 'endpoint'
-- k9 = 'latency_ms'
-- n11 = 100
-- scope_org_id = 'org_1'
-- scope_tenant_id = 't_1'
-- t1 = datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- t2 = datetime.datetime(2026, 4, 8, 0, 0, tzinfo=datetime.timezone.utc)
-- v4 = 'pro'
-- v6 = 'eu'
