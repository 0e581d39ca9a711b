"""The SageMaker twin: what moto's SageMaker lacks, filled for the local cloud (see patches.py)."""
