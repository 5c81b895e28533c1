/** The read queries of schemas/clickhouse/README.md; all bind values as query parameters. */

/** Current state (last version) of the flows that started in [from, to), for one dst_service. */
export const FLOWS_BY_TIME_AND_SERVICE = `
SELECT flow_id, version, final, node, state, start_time, src_ip, src_port, dst_ip, dst_port, retransmissions
FROM tcp_flows FINAL
WHERE start_time >= {from:DateTime64(6, 'UTC')} AND start_time < {to:DateTime64(6, 'UTC')}
  AND dst_service = {svc:String}
ORDER BY start_time, flow_id`;

/** Every stored version of one flow: a point lookup on the sorting key. */
export const FLOW_VERSIONS = `
SELECT flow_id, version, final, state
FROM tcp_flows
WHERE node = {node:String} AND start_time = {start:DateTime64(6, 'UTC')} AND flow_id = {id:UInt64}
ORDER BY version`;

/** P50/P90/P99 of the three RTTs per dst_service over [from, to), from the per-minute rollup. */
export const RTT_PERCENTILES_BY_DST_SERVICE = `
SELECT dst_service,
       countMerge(flows) AS flows,
       countMerge(initial_rtt_n) AS initial_rtt_samples,
       quantilesMerge(0.5, 0.9, 0.99)(initial_rtt_q) AS initial_rtt_us,
       quantilesMerge(0.5, 0.9, 0.99)(rtt_avg_q) AS rtt_avg_us,
       quantilesMerge(0.5, 0.9, 0.99)(rtt_max_q) AS rtt_max_us
FROM tcp_rtt_1m
WHERE minute >= {from:DateTime('UTC')} AND minute < {to:DateTime('UTC')}
GROUP BY dst_service
ORDER BY dst_service`;
