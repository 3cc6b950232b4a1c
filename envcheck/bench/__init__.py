"""``envcheck bench``: training, matmul and transfer benchmarks that prove acceleration.

``worker.py`` and ``nets.py`` run inside the target interpreter and need only torch; the other
modules run in envcheck's own process: ``launch`` starts and streams the worker and samples NVML
telemetry, ``references`` loads the expected-throughput table and judges a result, ``telemetry``
turns NVML samples into findings, ``result`` assembles the schema-1 JSON document.
"""
