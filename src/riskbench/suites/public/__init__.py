"""Loaders for published safety benchmarks, registered as suite formats.

`--suite FORMAT:PATH[?option=value&...]` reads a local copy; `--suite FORMAT` (no path)
fetches the published file named in `sources.yaml` into the data cache
(~/.cache/riskbench/datasets, or RISKBENCH_DATA_CACHE) on first use. Formats: harmbench,
strongreject, advbench, xstest, the CyberSecEval tests (cyberseceval-frr, -instruct,
-autocomplete, -interpreter, -prompt-injection), airbench, and csv / jsonl for your own
files with a column mapping.
"""

from riskbench.suites.public import (  # noqa: F401  (importing registers the formats)
    advbench,
    airbench,
    cyberseceval,
    generic,
    harmbench,
    mcq,
    strongreject,
    xstest,
)
