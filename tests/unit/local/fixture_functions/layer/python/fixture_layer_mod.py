"""A module the basic fixture imports from its layer (layer/python, as /opt/python on AWS)."""

NAME = "from-layer"
