SELECT level, count() AS users FROM (
  SELECT user_id, windowFunnel({w9:UInt64})(toUInt64(toUnixTimestamp64Milli(timestamp)), event_name = {s10:String}, event_name = {s11:String}, event_name = {s12:String}) AS level
  FROM events FINAL
  WHERE org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}
    AND event_name IN ({e0:String}, {e1:String}, {e2:String})
    AND timestamp >= {t3:DateTime64(3, 'UTC')}
    AND timestamp < {t4:DateTime64(3, 'UTC')}
    AND string_props[{k5:String}] = {v6:String}
    AND string_props[{k7:String}] = {v8:String}
  AND user_id != ''
  GROUP BY user_id)
GROUP BY level ORDER BY level
SETTINGS max_execution_time = 10, max_rows_to_read = 500000000, readonly = 2
-- e0 = 'signup'
-- e1 = 'activate'
-- e2 = 'pay'
-- k5 = 'plan'
-- k7 = 'region'
-- s10 = 'signup'
-- s11 = 'activate'
-- s12 = 'pay'
-- scope_org_id = 'org_1'
-- scope_tenant_id = 't_1'
-- t3 = datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- t4 = datetime.datetime(2026, 4, 8, 0, 0, tzinfo=datetime.timezone.utc)
-- v6 = 'pro'
-- v8 = 'eu'
-- w9 = 3600000
