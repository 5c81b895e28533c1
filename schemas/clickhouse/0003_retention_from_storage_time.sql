-- Retention counts from when rows were stored, not from when their connections happened. A capture
-- file from last year analysed today must stay queryable for the retention period; with the TTL on
-- start_time (0001, 0002) its rows expired the moment they were inserted.
ALTER TABLE tcp_flows MODIFY TTL toDateTime(inserted_at) + INTERVAL {{retention_days}} DAY;

-- The rollup's rows are per minute of traffic; stored_at (the latest insert into the row) carries
-- the storage time through merges.
ALTER TABLE tcp_rtt_1m ADD COLUMN IF NOT EXISTS stored_at SimpleAggregateFunction(max, DateTime) DEFAULT now();
ALTER TABLE tcp_rtt_1m MODIFY TTL stored_at + INTERVAL {{rollup_retention_days}} DAY;
