"""envcheck: does this machine's deep-learning GPU stack work end to end, and if not, why?"""

__version__ = "0.1.0"
