-- Hourly RTT percentiles (tcp_rtt_1h) for long ranges.
--
-- tcp_rtt_1m's reservoirs are exact up to 8192 values, but a 24 h query merges one state per
-- (minute, node, src_namespace, dst_namespace, dst_service): ~3.3 M states for the bench's cluster of
-- 8 M connections a day, over a second of merging. tcp_rtt_1h holds one row per hour and dimensions
-- (~115x fewer) with a compact, mergeable, order-independent sketch: quantilesDD (DDSketch) with
-- relative accuracy 0.01, i.e. each percentile is within 1 % of the value at its rank (rank
-- level x (n - 1), as `quantiles`; no interpolation between neighbours). Measured on the bench's
-- hourly states of a day (in a Memory table, no deserialisation): merging them per service and
-- hour took 46-66 ms with quantilesDD, 180-300 ms with quantilesBFloat16, 320-340 ms with
-- quantilesTDigest. Read from this table (28 800 rows, one part) the API query takes 160-350 ms on
-- a loaded 2-core machine: reading the states dominates. The API uses
-- it only for hour-aligned ranges with a step of whole hours (PercentileResult.source =
-- 'rollup_1h'); finer questions keep using tcp_rtt_1m.
CREATE TABLE IF NOT EXISTS tcp_rtt_1h
(
    hour            DateTime('UTC'),
    node            LowCardinality(String),
    src_namespace   LowCardinality(String),
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
ORDER BY (hour, dst_namespace, dst_service, src_namespace, node)
TTL stored_at + INTERVAL {{rollup_retention_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

-- Same rows as tcp_rtt_1m_mv (final rows only, bucketed by the flow's start), by the hour.
CREATE MATERIALIZED VIEW IF NOT EXISTS tcp_rtt_1h_mv TO tcp_rtt_1h AS
SELECT
    toStartOfHour(start_time) AS hour,
    node,
    src_namespace,
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
GROUP BY hour, node, src_namespace, dst_namespace, dst_service;

-- Rows stored before this migration: each connection's final record once.
INSERT INTO tcp_rtt_1h (hour, node, src_namespace, dst_namespace, dst_service, flows, initial_rtt_n,
    rtt_avg_n, rtt_max_n, initial_rtt_q, rtt_avg_q, rtt_max_q)
SELECT toStartOfHour(start_time) AS hour, node, src_namespace, dst_namespace, dst_service,
    countState(), countState(initial_rtt_us), countState(rtt_avg_us), countState(rtt_max_us),
    quantilesDDState(0.01, 0.5, 0.9, 0.99)(toFloat64(initial_rtt_us)),
    quantilesDDState(0.01, 0.5, 0.9, 0.99)(rtt_avg_us),
    quantilesDDState(0.01, 0.5, 0.9, 0.99)(toFloat64(rtt_max_us))
FROM tcp_flows FINAL
WHERE final = 1
GROUP BY hour, node, src_namespace, dst_namespace, dst_service;
