"""Model monitoring without Model Monitor: endpoint data capture -> feature drift and live bias.

`capture` reads AWS's data-capture JSON Lines, `baseline` summarises the training features of a
dataset version (quantile bins and a quantile grid per feature, cached as baseline.json beside the
manifest), `drift` computes PSI per feature and Kolmogorov-Smirnov for numeric ones, `live_bias`
joins captured rows with uploaded ground truth and reuses lockgate.bias for the post-training
metrics. Pure: numpy and pyarrow only.

Ground truth: upload JSON Lines under
  s3://<artifact bucket>/ground-truth/<endpoint>/<anything>.jsonl
one line per labelled captured row, Model Monitor's shape:
  {"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "<captured eventId>"},
   "eventVersion": "0"}
"""
