"""Pure parsers of the tools' own output formats, shared by the probes and ``explain``.

Each format is read once, here: the live probe (``envcheck doctor``) hands these functions the
text a command printed, and the explain parsers hand them the lines of a pasted report, so the
two paths cannot read the same text differently. Every function is pure and total (any text in,
a value or None out, never an exception) and is tested against the recorded outputs in
``tests/data/``.

This package imports only the standard library and ``packaging``: nothing from
``envcheck.probes``, ``envcheck.explain`` or ``envcheck.rules`` (``tests/parsers`` checks it).
The scripts that run inside the inspected interpreter (``probes/target_script.py``,
``probes/torch_script.py``) stay self-contained and do not import it.

- :mod:`envcheck.parsers.versions`: major.minor, torch build labels, CUDA from a label,
  distribution-name normalisation.
- :mod:`envcheck.parsers.nvcc`: ``nvcc --version``.
- :mod:`envcheck.parsers.nvidia_smi`: the ``nvidia-smi`` banner, its failure texts, ``-L``
  lines and ``--query-gpu`` CSV.
- :mod:`envcheck.parsers.nvidia_driver`: the kernel module's ``/proc/driver/nvidia/version``
  and ``/sys/module/nvidia/version``.
"""
