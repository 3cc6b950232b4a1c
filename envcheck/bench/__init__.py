"""``envcheck bench``: training, matmul and transfer benchmarks that prove acceleration.

``worker.py`` and its siblings ``devices.py``, ``hardware.py``, ``nets.py`` and
``bench_math.py`` run inside the target interpreter and need only torch (``bench_math`` not
even that); the other modules run in envcheck's own process: ``launch`` starts and streams the
worker and samples NVML telemetry, ``references`` loads the expected-throughput table and
judges a result, ``telemetry`` turns NVML samples into findings, ``findings`` makes them
ordinary findings of the ``bench`` category, ``result`` assembles the typed result
(``document``: frozen dataclasses, the one schema constant, and the ``--json`` document).
"""
