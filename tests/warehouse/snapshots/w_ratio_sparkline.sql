SELECT countIfMerge(tupleElement(this_state, 1)) / nullIf(countIfMerge(tupleElement(this_state, 2)), 0) AS value,
  countIfMerge(tupleElement(previous_state, 1)) / nullIf(countIfMerge(tupleElement(previous_state, 2)), 0) AS previous,
  groupArray(tuple(bucket, finalizeAggregation(tupleElement(this_state, 1)) / nullIf(finalizeAggregation(tupleElement(this_state, 2)), 0))) AS points
FROM (
  SELECT toUnixTimestamp(toStartOfDay(timestamp, {tz:String})) AS bucket,
    tuple(countIfState(string_props[{k8:String}] = {v9:String} AND timestamp >= {t7:DateTime64(3, 'UTC')}), countIfState(timestamp >= {t7:DateTime64(3, 'UTC')})) AS this_state, tuple(countIfState(string_props[{k8:String}] = {v10:String} AND timestamp < {t7:DateTime64(3, 'UTC')}), countIfState(timestamp < {t7:DateTime64(3, 'UTC')})) AS previous_state
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
-- k8 = 'status'
-- scope_org_id = 'org_1'
-- scope_tenant_id = 't_1'
-- t1 = datetime.datetime(2026, 3, 25, 0, 0, tzinfo=datetime.timezone.utc)
-- t2 = datetime.datetime(2026, 4, 8, 0, 0, tzinfo=datetime.timezone.utc)
-- t7 = datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- tz = 'Europe/Paris'
-- v10 = 'error'
-- v4 = 'pro'
-- v6 = 'eu'
-- v9 = 'error'
