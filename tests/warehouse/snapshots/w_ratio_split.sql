WITH (SELECT groupArray(key) FROM (
  SELECT string_props[{k8:String}] AS key, sumIf(numeric_props[{k7:String}], mapContains(numeric_props, {k7:String})) / nullIf(uniqExactIf(user_id, user_id != ''), 0) AS ranked
  FROM events FINAL
  WHERE org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}
    AND event_name = {e0:String}
    AND timestamp >= {t1:DateTime64(3, 'UTC')}
    AND timestamp < {t2:DateTime64(3, 'UTC')}
    AND string_props[{k3:String}] = {v4:String}
    AND string_props[{k5:String}] = {v6:String}
  GROUP BY key ORDER BY ranked DESC NULLS LAST, key ASC LIMIT {n9:UInt32})) AS top
SELECT toUnixTimestamp(toStartOfDay(timestamp, {tz:String})) AS bucket, indexOf(top, string_props[{k8:String}]) AS series,
  sumIf(numeric_props[{k7:String}], mapContains(numeric_props, {k7:String})) / nullIf(uniqExactIf(user_id, user_id != ''), 0) AS value, top
FROM events FINAL
WHERE org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}
  AND event_name = {e0:String}
  AND timestamp >= {t1:DateTime64(3, 'UTC')}
  AND timestamp < {t2:DateTime64(3, 'UTC')}
  AND string_props[{k3:String}] = {v4:String}
  AND string_props[{k5:String}] = {v6:String}
GROUP BY bucket, series ORDER BY bucket, series
SETTINGS max_execution_time = 10, max_rows_to_read = 500000000, readonly = 2
-- e0 = 'api.call'
-- k3 = 'plan'
-- k5 = 'region'
-- k7 = 'cost'
-- k8 = 'model'
-- n9 = 3
-- scope_org_id = 'org_1'
-- scope_tenant_id = 't_1'
-- t1 = datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- t2 = datetime.datetime(2026, 4, 8, 0, 0, tzinfo=datetime.timezone.utc)
-- tz = 'Europe/Paris'
-- v4 = 'pro'
-- v6 = 'eu'
