"""Test-only: makes Python report FAKE_NODE as the host name, so one machine plays several
cluster nodes in test_cluster_recipes (envcheck reads the host name from platform.node())."""

import os
import platform

if os.environ.get("FAKE_NODE"):
    platform.node = lambda: os.environ["FAKE_NODE"]
