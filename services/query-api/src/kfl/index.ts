// KFL (Kubeshark Filter Language) for tcp_flow entries: one compiled filter, two paths that select
// the same rows: ClickHouse SQL with query parameters (history) and an in-process predicate (live).
export { type CompiledFilter, type CompileOptions, compileKfl } from './compile.js';
export { KflError } from './errors.js';
export { KFL_FIELDS, KFL_KEYWORDS, type KflFieldInfo } from './fields.js';
