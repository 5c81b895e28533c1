-- Per-minute RTT percentiles by node / src_namespace / dst_namespace / dst_service.
-- One target table with all four dimensions: any subset is a GROUP BY over merged states.
--
-- quantilesState (ClickHouse's `quantile`: a reservoir of up to 8192 values, linear interpolation)
-- rather than quantileTDigest: exact while a merged group holds <= 8192 flows (a minute of one
-- service is usually far below that) and a uniform sample beyond, so P99's rank error stays about
-- sqrt(0.99*0.01/8192) ~ 0.1 %. Its state is at most 64 KiB; t-digest's is smaller but never exact.
CREATE TABLE IF NOT EXISTS tcp_rtt_1m
(
    minute          DateTime('UTC'),
    node            LowCardinality(String),
    src_namespace   LowCardinality(String),
    dst_namespace   LowCardinality(String),
    dst_service     LowCardinality(String),
    flows           AggregateFunction(count),
    -- count of flows with a sample, per metric (a NULL metric is skipped by quantiles too)
    initial_rtt_n   AggregateFunction(count, Nullable(UInt32)),
    rtt_avg_n       AggregateFunction(count, Nullable(Float64)),
    rtt_max_n       AggregateFunction(count, Nullable(UInt32)),
    initial_rtt_q   AggregateFunction(quantiles(0.5, 0.9, 0.99), Nullable(Float64)),
    rtt_avg_q       AggregateFunction(quantiles(0.5, 0.9, 0.99), Nullable(Float64)),
    rtt_max_q       AggregateFunction(quantiles(0.5, 0.9, 0.99), Nullable(Float64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(minute)
ORDER BY (minute, dst_namespace, dst_service, src_namespace, node)
TTL minute + INTERVAL {{rollup_retention_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

-- Only final rows, so each flow counts once (interim versions would count it again and again).
-- Bucketed by the flow's start minute, the same clock as tcp_flows' partitions.
-- Caveat: the MV sees inserts, not merged rows; a final row re-delivered in a *different* insert
-- block is counted twice (an identical block is deduplicated, see tcp_flows SETTINGS).
CREATE MATERIALIZED VIEW IF NOT EXISTS tcp_rtt_1m_mv TO tcp_rtt_1m AS
SELECT
    toStartOfMinute(start_time) AS minute,
    node,
    src_namespace,
    dst_namespace,
    dst_service,
    countState() AS flows,
    countState(initial_rtt_us) AS initial_rtt_n,
    countState(rtt_avg_us) AS rtt_avg_n,
    countState(rtt_max_us) AS rtt_max_n,
    quantilesState(0.5, 0.9, 0.99)(toFloat64(initial_rtt_us)) AS initial_rtt_q,
    quantilesState(0.5, 0.9, 0.99)(rtt_avg_us) AS rtt_avg_q,
    quantilesState(0.5, 0.9, 0.99)(toFloat64(rtt_max_us)) AS rtt_max_q
FROM tcp_flows
WHERE final = 1
GROUP BY minute, node, src_namespace, dst_namespace, dst_service;
