"""Model evaluation: metrics of scores against labels (metrics.py), SageMaker's model quality
statistics shape (model_quality.py), the HTML report with inline SVG curves (report_html.py)."""
