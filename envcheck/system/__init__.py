"""The only modules that touch the machine: commands (``run``) and NVML (``nvml``)."""
