"""Model monitoring without Model Monitor: endpoint data capture -> feature drift and live bias.

`capture` reads AWS's data-capture JSON Lines (`raw_capture` first encodes raw-record requests as
the model saw them), `columns` maps the model's features to the contract's columns, `baseline`
summarises a dataset version's train split per column (quantile bins and a quantile grid, cached as
baseline-columns.json beside the manifest), `drift` computes PSI per column and Kolmogorov-Smirnov
for numeric ones, `live_bias`
joins captured rows with uploaded ground truth and reuses lockgate.bias for the post-training
metrics. Pure: numpy and pyarrow only.

Ground truth: upload JSON Lines under
  s3://<artifact bucket>/ground-truth/<endpoint>/<anything>.jsonl
one line per labelled captured row, Model Monitor's shape:
  {"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "<captured eventId>"},
   "eventVersion": "0"}
"""
