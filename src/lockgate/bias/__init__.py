"""Clarify-compatible bias metrics from one count table (numpy + pyarrow only).

Public API (import the submodules; this package imports nothing, to keep cold starts short):
- check.bias_check(table, analysis_config, thresholds) -> BiasCheck: everything in one call
  (analysis_json in Clarify's shape, gate verdict, report_html, CloudWatch metric_data, warnings).
- check.BiasCheckStream(config, policy, predictions=...): the streaming entry; .add(batch) or
  .add_counts(count tables) as often as needed, then .result() -> BiasCheck.
- tables.load_inputs(clarify_config, data, predictions) -> (pyarrow Table, config): CSV/Parquet
  from a path or bytes, only the needed columns, predictions joined on row order.
- clarify_config.parse_analysis_config(dict) -> ClarifyConfig; resolve(ClarifyConfig, table) -> BiasConfig.
- analysis.count_tables(table, BiasConfig) -> [CountTable] (per partition; CountTable.to_json/from_json),
  analysis.merge_all([[CountTable], ...]), analysis.analysis_from_counts(tables, BiasConfig) -> BiasAnalysis,
  analysis.to_analysis_json(BiasAnalysis) -> AnalysisJson (a TypedDict).
- policy.GatePolicy / policy.Threshold: the one threshold model (the contract's bias section is a
  GatePolicy); policy.parse_policy(dict) -> GatePolicy; gate.evaluate(BiasAnalysis, GatePolicy) -> GateResult.
- intervals: a confidence interval per metric from the count table (INTERVALS.md: method per
  metric, verdict rules); analysis_from_counts(..., intervals=IntervalSettings) attaches them.
- cloudwatch.metric_data(BiasAnalysis) -> [(f"bias_metric_{NAME}", value, {Facet, FacetValue, BiasStage})],
  plus bias_metric_{NAME}_lower / _upper for each defined interval.
- report_html.render(BiasAnalysis, GateResult, title, warnings) -> str.
- registry.METRICS: the one table of metrics (stage, description, scalar and vectorised definition);
  registry.compute_pre_training / compute_post_training(FacetCells, methods) -> [MetricValue].
- fliptest.flip_test(features, in_d, predicted_positive) -> MetricValue: FT, separate (row features, kNN).
- cli.main(argv) -> exit status (0 pass, 1 fail, 2 usage, 3 needs-human, 4 invalid config or input).
Differences from smclarify: SMCLARIFY_DIFFERENCES.md.
"""
