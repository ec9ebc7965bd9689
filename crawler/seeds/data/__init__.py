"""Package data of the seed list: ``region-codes-history.csv``, every county-level-and-above
行政区划代码 1980–2024 (yescallop/areacodes ``result.csv``, CC0 1.0; see seeds/README.md)."""
