SELECT uniqExactIfMerge(this_state) AS value,
  uniqExactIfMerge(previous_state) AS previous,
  groupArray(tuple(bucket, finalizeAggregation(this_state))) AS points
FROM (
  SELECT toUnixTimestamp(toStartOfDay(timestamp, {tz:String})) AS bucket,
    uniqExactIfState(user_id, user_id != '' AND timestamp >= {t7:DateTime64(3, 'UTC')}) AS this_state, uniqExactIfState(user_id, user_id != '' AND timestamp < {t7:DateTime64(3, 'UTC')}) AS previous_state
  FROM events FINAL
  WHERE org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}
    AND event_name = {e0:String}
    AND timestamp >= {t1:DateTime64(3, 'UTC')}
    AND timestamp < {t2:DateTime64(3, 'UTC')}
    AND string_props[{k3:String}] = {v4:String}
    AND string_props[{k5:String}] = {v6:String}
  GROUP BY bucket)
SETTINGS max_execution_time = 10, max_rows_to_read = 500000000, readonly = 2
-- e0 = 'api.call'
-- k3 = 'plan'
-- k5 = 'region'
-- scope_org_id = 'org_1'
-- scope_tenant_id = 't_1'
-- t1 = datetime.datetime(2026, 3, 25, 0, 0, tzinfo=datetime.timezone.utc)
-- t2 = datetime.datetime(2026, 4, 8, 0, 0, tzinfo=datetime.timezone.utc)
-- t7 = datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- tz = 'Europe/Paris'
-- v4 = 'pro'
-- v6 = 'eu'
