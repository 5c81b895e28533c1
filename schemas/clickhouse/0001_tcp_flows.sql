-- tcp_flows: one row per version of a connection record (interim and final), ClickHouse >= 23.8.
-- Applied by services/store's migration runner, which substitutes {{retention_days}} (a validated
-- integer from configuration) and records the file's version in schema_migrations.
-- Reading the current state of each flow: SELECT ... FROM tcp_flows FINAL (ReplacingMergeTree
-- keeps the row with the highest `version` per sorting key).
CREATE TABLE IF NOT EXISTS tcp_flows
(
    -- identity: flow_id = the wire id of schemas/src/flow-id.ts (FNV-1a 64 of node, 5-tuple, start_us) as UInt64
    flow_id        UInt64,
    version        UInt64,
    final          UInt8,
    node           LowCardinality(String),
    stream         UInt32,
    evicted        UInt8,
    start_time     DateTime64(6, 'UTC'),
    end_time       DateTime64(6, 'UTC'),

    -- endpoints: IPv6 holds IPv4 as ::ffff:a.b.c.d, so one 16-byte column serves both families
    -- and CIDR filters work (isIPAddressInRange(toString(src_ip), '::ffff:10.0.0.0/104')).
    src_ip         IPv6,
    src_port       UInt16,
    dst_ip         IPv6,
    dst_port       UInt16,

    -- Kubernetes enrichment, filled later by the flow processor
    src_namespace  LowCardinality(String) DEFAULT '',
    src_service    LowCardinality(String) DEFAULT '',
    dst_namespace  LowCardinality(String) DEFAULT '',
    dst_service    LowCardinality(String) DEFAULT '',

    -- LowCardinality(String) rather than Enum: a state added to the contract must not make
    -- every insert of a batch fail until an ALTER lands.
    state          LowCardinality(String),
    diagnosis      Array(LowCardinality(String)),  -- codes, for filtering
    diagnosis_json String,                         -- the full Diagnosis[] with messages

    -- the 24 seed metrics (docs/metrics.md); Nullable exactly where the record field can be null
    retransmissions          UInt32,
    fast_retransmissions     UInt32,
    retransmission_rate      Float64,
    zero_window_events       UInt32,
    window_full_events       UInt32,
    window_scale             Nullable(UInt8),
    avg_receive_window       Nullable(Float64),
    out_of_order             UInt32,
    dup_acks                 UInt32,
    missing_segments         UInt32,
    rst_count                UInt32,
    fin_count                UInt32,
    keepalive_count          UInt32,
    connection_completeness  UInt8,
    initial_rtt_us           Nullable(UInt64),  -- UInt64: damaged captures jump in time
    handshake_time_us        Nullable(UInt64),
    connection_time_us       Nullable(UInt64),
    time_to_first_byte_us    Nullable(UInt64),
    rtt_min_us               Nullable(UInt64),
    rtt_max_us               Nullable(UInt64),
    rtt_avg_us               Nullable(Float64),
    rtt_samples              UInt32,
    jitter_us                Float64,
    goodput_bytes            UInt64,

    -- extras
    data_retransmission_rate   Float64,
    spurious_retransmissions   UInt32,
    ack_lost_segment           UInt32,
    zero_window_probes         UInt32,
    zero_window_probe_acks     UInt32,
    window_updates             UInt32,
    keepalive_acks             UInt32,
    reused_ports               UInt32,
    client_window_scale        Int8,   -- -1 unknown, -2 not negotiated, else 0..14
    server_window_scale        Int8,
    client_avg_receive_window  Nullable(Float64),
    server_avg_receive_window  Nullable(Float64),
    duration_us                UInt64,
    client_packets             UInt64,
    server_packets             UInt64,
    client_payload_bytes       UInt64,
    server_payload_bytes       UInt64,

    inserted_at    DateTime64(3, 'UTC') DEFAULT now64(3),

    -- "one flow's versions" by id alone (without node/start_time) skips granules with this
    INDEX flow_id_bf flow_id TYPE bloom_filter(0.01) GRANULARITY 1,
    -- "flows overlapping [from, to)" also bounds end_time
    INDEX end_time_mm end_time TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toDate(start_time)
-- Every key column is constant across a flow's versions (start_time is part of flow_id), so the
-- key identifies the flow and ReplacingMergeTree collapses its versions. node first (few values)
-- then start_time: a time range, with or without a node filter, reads only matching granules;
-- one flow's versions (node, start_time, flow_id all known from the record) is a point lookup.
ORDER BY (node, start_time, flow_id)
TTL toDateTime(start_time) + INTERVAL {{retention_days}} DAY
-- non_replicated_deduplication_window: a retried identical insert block is stored once (and, with
-- deduplicate_blocks_in_dependent_materialized_views, counted once by the rollup).
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;
