SELECT if(position <= {n9:UInt32}, position, 0) AS rank, any(key) AS key,
  quantileExactIfMerge(0.95)(tupleElement(state, 1)) / nullIf(avgIfMerge(tupleElement(state, 2)), 0) AS value
FROM (
  SELECT key, state,
    row_number() OVER (ORDER BY finalizeAggregation(tupleElement(state, 1)) / nullIf(finalizeAggregation(tupleElement(state, 2)), 0) DESC NULLS LAST, key ASC) AS position
  FROM (
    SELECT string_props[{k7:String}] AS key, tuple(quantileExactIfState(0.95)(numeric_props[{k8:String}], mapContains(numeric_props, {k8:String})), avgIfState(numeric_props[{k8:String}], mapContains(numeric_props, {k8:String}))) AS state
    FROM events FINAL
    WHERE org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}
      AND event_name = {e0:String}
      AND timestamp >= {t1:DateTime64(3, 'UTC')}
      AND timestamp < {t2:DateTime64(3, 'UTC')}
      AND string_props[{k3:String}] = {v4:String}
      AND string_props[{k5:String}] = {v6:String}
    GROUP BY key))
GROUP BY rank ORDER BY rank
SETTINGS max_execution_time = 10, max_rows_to_read = 500000000, readonly = 2
-- e0 = 'api.call'
-- k3 = 'plan'
-- k5 = 'region'
-- k7 = 'model'
-- k8 = 'latency_ms'
-- n9 = 10
-- scope_org_id = 'org_1'
-- scope_tenant_id = 't_1'
-- t1 = datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- t2 = datetime.datetime(2026, 4, 8, 0, 0, tzinfo=datetime.timezone.utc)
-- v4 = 'pro'
-- v6 = 'eu'
