SELECT if(position <= {n11:UInt32}, position, 0) AS rank, any(key) AS key,
  sumIfMerge(state) AS value
FROM (
  SELECT key, state,
    row_number() OVER (ORDER BY finalizeAggregation(state) DESC NULLS LAST, key ASC) AS position
  FROM (
    SELECT string_props[{k10:String}] AS key, sumIfState(numeric_props[{k7:String}], mapContains(numeric_props, {k7:String})) AS state
    FROM events FINAL
    WHERE org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}
      AND event_name = {e0:String}
      AND timestamp >= {t1:DateTime64(3, 'UTC')}
      AND timestamp < {t2:DateTime64(3, 'UTC')}
      AND string_props[{k3:String}] = {v4:String}
      AND string_props[{k3:String}] IN ({v5:String}, {v6:String})
      AND mapContains(numeric_props, {k7:String}) AND numeric_props[{k7:String}] >= {v8:Float64} AND numeric_props[{k7:String}] < {v9:Float64}
    GROUP BY key))
GROUP BY rank ORDER BY rank
SETTINGS max_execution_time = 10, max_rows_to_read = 500000000, readonly = 2
-- e0 = 'e'
-- k10 = 'model'
-- k3 = 'region'
-- k7 = 'tokens'
-- n11 = 10
-- scope_org_id = 'org_1'
-- scope_tenant_id = 't_1'
-- t1 = datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.timezone.utc)
-- t2 = datetime.datetime(2026, 4, 8, 0, 0, tzinfo=datetime.timezone.utc)
-- v4 = 'eu'
-- v5 = 'eu'
-- v6 = 'us'
-- v8 = 100
-- v9 = 500.5
