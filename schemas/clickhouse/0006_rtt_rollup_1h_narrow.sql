-- Narrow hourly RTT rollups: tcp_rtt_1h by destination (tcp_rtt_1h_dst) and by source (tcp_rtt_1h_src).
--
-- Reading a DDSketch state costs far more than merging it: 24 h of tcp_rtt_1h per service reads
-- one state per (hour, node, src_namespace, dst_namespace, dst_service), 28 800 for the bench's
-- cluster, and took 210-330 ms; the same question from one state per (hour, dst_namespace,
-- dst_service), 4 800 rows, took 65-85 ms. The dashboards' questions group by one side of the
-- connection (dst.service, dst.namespace; src.namespace, node) and filter on the same side, so the
-- API reads the narrowest of these tables that holds every column the question touches, and
-- tcp_rtt_1h otherwise. Same states, same rows (final records), same TTL as tcp_rtt_1h; a DDSketch
-- merge adds bin counts, so the narrow tables give exactly tcp_rtt_1h's percentiles.
CREATE TABLE IF NOT EXISTS tcp_rtt_1h_dst
(
    hour            DateTime('UTC'),
    dst_namespace   LowCardinality(String),
    dst_service     LowCardinality(String),
    flows           AggregateFunction(count),
    initial_rtt_n   AggregateFunction(count, Nullable(UInt64)),
    rtt_avg_n       AggregateFunction(count, Nullable(Float64)),
    rtt_max_n       AggregateFunction(count, Nullable(UInt64)),
    initial_rtt_q   AggregateFunction(quantilesDD(0.01, 0.5, 0.9, 0.99), Nullable(Float64)),
    rtt_avg_q       AggregateFunction(quantilesDD(0.01, 0.5, 0.9, 0.99), Nullable(Float64)),
    rtt_max_q       AggregateFunction(quantilesDD(0.01, 0.5, 0.9, 0.99), Nullable(Float64)),
    stored_at       SimpleAggregateFunction(max, DateTime) DEFAULT now()
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(hour)
ORDER BY (hour, dst_namespace, dst_service)
TTL stored_at + INTERVAL {{rollup_retention_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS tcp_rtt_1h_src
(
    hour            DateTime('UTC'),
    src_namespace   LowCardinality(String),
    node            LowCardinality(String),
    flows           AggregateFunction(count),
    initial_rtt_n   AggregateFunction(count, Nullable(UInt64)),
    rtt_avg_n       AggregateFunction(count, Nullable(Float64)),
    rtt_max_n       AggregateFunction(count, Nullable(UInt64)),
    initial_rtt_q   AggregateFunction(quantilesDD(0.01, 0.5, 0.9, 0.99), Nullable(Float64)),
    rtt_avg_q       AggregateFunction(quantilesDD(0.01, 0.5, 0.9, 0.99), Nullable(Float64)),
    rtt_max_q       AggregateFunction(quantilesDD(0.01, 0.5, 0.9, 0.99), Nullable(Float64)),
    stored_at       SimpleAggregateFunction(max, DateTime) DEFAULT now()
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(hour)
ORDER BY (hour, src_namespace, node)
TTL stored_at + INTERVAL {{rollup_retention_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

-- Fed like tcp_rtt_1h_mv: final rows only, bucketed by the flow's start.
CREATE MATERIALIZED VIEW IF NOT EXISTS tcp_rtt_1h_dst_mv TO tcp_rtt_1h_dst AS
SELECT
    toStartOfHour(start_time) AS hour,
    dst_namespace,
    dst_service,
    countState() AS flows,
    countState(initial_rtt_us) AS initial_rtt_n,
    countState(rtt_avg_us) AS rtt_avg_n,
    countState(rtt_max_us) AS rtt_max_n,
    quantilesDDState(0.01, 0.5, 0.9, 0.99)(toFloat64(initial_rtt_us)) AS initial_rtt_q,
    quantilesDDState(0.01, 0.5, 0.9, 0.99)(rtt_avg_us) AS rtt_avg_q,
    quantilesDDState(0.01, 0.5, 0.9, 0.99)(toFloat64(rtt_max_us)) AS rtt_max_q,
    max(now()) AS stored_at
FROM tcp_flows
WHERE final = 1
GROUP BY hour, dst_namespace, dst_service;

CREATE MATERIALIZED VIEW IF NOT EXISTS tcp_rtt_1h_src_mv TO tcp_rtt_1h_src AS
SELECT
    toStartOfHour(start_time) AS hour,
    src_namespace,
    node,
    countState() AS flows,
    countState(initial_rtt_us) AS initial_rtt_n,
    countState(rtt_avg_us) AS rtt_avg_n,
    countState(rtt_max_us) AS rtt_max_n,
    quantilesDDState(0.01, 0.5, 0.9, 0.99)(toFloat64(initial_rtt_us)) AS initial_rtt_q,
    quantilesDDState(0.01, 0.5, 0.9, 0.99)(rtt_avg_us) AS rtt_avg_q,
    quantilesDDState(0.01, 0.5, 0.9, 0.99)(toFloat64(rtt_max_us)) AS rtt_max_q,
    max(now()) AS stored_at
FROM tcp_flows
WHERE final = 1
GROUP BY hour, src_namespace, node;

-- What was stored before this migration, from tcp_rtt_1h (the same final records, already aggregated).
INSERT INTO tcp_rtt_1h_dst (hour, dst_namespace, dst_service, flows, initial_rtt_n, rtt_avg_n, rtt_max_n,
    initial_rtt_q, rtt_avg_q, rtt_max_q, stored_at)
SELECT hour, dst_namespace, dst_service,
    countMergeState(flows), countMergeState(initial_rtt_n), countMergeState(rtt_avg_n), countMergeState(rtt_max_n),
    quantilesDDMergeState(0.01, 0.5, 0.9, 0.99)(initial_rtt_q),
    quantilesDDMergeState(0.01, 0.5, 0.9, 0.99)(rtt_avg_q),
    quantilesDDMergeState(0.01, 0.5, 0.9, 0.99)(rtt_max_q),
    max(stored_at)
FROM tcp_rtt_1h
GROUP BY hour, dst_namespace, dst_service;

INSERT INTO tcp_rtt_1h_src (hour, src_namespace, node, flows, initial_rtt_n, rtt_avg_n, rtt_max_n,
    initial_rtt_q, rtt_avg_q, rtt_max_q, stored_at)
SELECT hour, src_namespace, node,
    countMergeState(flows), countMergeState(initial_rtt_n), countMergeState(rtt_avg_n), countMergeState(rtt_max_n),
    quantilesDDMergeState(0.01, 0.5, 0.9, 0.99)(initial_rtt_q),
    quantilesDDMergeState(0.01, 0.5, 0.9, 0.99)(rtt_avg_q),
    quantilesDDMergeState(0.01, 0.5, 0.9, 0.99)(rtt_max_q),
    max(stored_at)
FROM tcp_rtt_1h
GROUP BY hour, src_namespace, node;
