-- Every version of every connection, kept. tcp_flows (ReplacingMergeTree keyed by the flow) keeps
-- only a connection's newest version once its parts merge — and with optimize_on_insert even within
-- one INSERT — so interim records vanish: the history of a connection (GET /api/flows/:id) and
-- time travel ("its metrics as of its last interim record before T") need them for good.
-- Same columns; `version` joins the sorting key, so distinct versions stay distinct and only an
-- identical re-delivered (flow, version) row collapses.
CREATE TABLE IF NOT EXISTS tcp_flow_versions AS tcp_flows
ENGINE = ReplacingMergeTree
PARTITION BY toDate(start_time)
ORDER BY (node, start_time, flow_id, version)
TTL toDateTime(inserted_at) + INTERVAL {{retention_days}} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

-- Fed by every INSERT into tcp_flows, before any merge (a materialized view sees inserted blocks).
CREATE MATERIALIZED VIEW IF NOT EXISTS tcp_flow_versions_mv TO tcp_flow_versions AS
SELECT * FROM tcp_flows;

-- Rows stored before this migration: what tcp_flows still holds of them.
INSERT INTO tcp_flow_versions SELECT * FROM tcp_flows;
