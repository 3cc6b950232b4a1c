"""A pasted nvidia-smi MIG table lists instances without UUIDs; they still count."""

from __future__ import annotations

from envcheck.fix_writer import planner_fix_writer
from envcheck.rules import diagnose


def _ids(instances: list[dict[str, object]]) -> list[str]:
    facts = {
        "nvidia.driver_version": "535.104.05",
        "nvidia.cuda_driver_max": "12.2",
        "nvidia.gpus": [
            {
                "index": 0,
                "name": "NVIDIA A100-SXM4-40GB",
                "compute_capability": "8.0",
                "mig_mode": True,
                "mig_instances": instances,
            }
        ],
    }
    return [f.id for f in diagnose(facts, {}, (), planner_fix_writer())]


def test_instances_without_uuid_are_not_missing() -> None:
    ids = _ids([{"uuid": None, "name": "1g.5gb"}])
    assert "platform.mig_no_instances" not in ids
    assert "platform.mig_enabled" in ids


def test_no_instances_still_warns() -> None:
    assert "platform.mig_no_instances" in _ids([])
